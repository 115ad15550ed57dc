using HybridCacheKit.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

public sealed class HybridOutputCacheStoreRegistrationTests
{
    [Fact]
    public async Task AddHybridCacheKitOutputCacheStore_AfterAddOutputCache_ReplacesInMemoryStore()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCacheKit();
        services.AddOutputCache().AddHybridCacheKitOutputCacheStore();
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IOutputCacheStore>();

        Assert.IsType<HybridOutputCacheStore>(store);
        Assert.IsAssignableFrom<IOutputCacheBufferStore>(store);
    }

    [Fact]
    public async Task AddOutputCacheStore_BeforeAddOutputCacheAndTwice_OneStoreOfOurs()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCacheKit().AddOutputCacheStore().AddOutputCacheStore();
        services.AddOutputCache();
        await using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IOutputCacheStore));
        Assert.IsType<HybridOutputCacheStore>(provider.GetRequiredService<IOutputCacheStore>());
    }

    [Fact]
    public async Task Resolve_WithoutAddHybridCacheKit_ThrowsNamingTheFix()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOutputCache().AddHybridCacheKitOutputCacheStore();
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOutputCacheStore>());

        Assert.Contains("AddHybridCacheKit", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\nprefix")]
    [InlineData("__hck:oc:")]
    public async Task Options_InvalidKeyPrefix_FailNamingTheSetting(string prefix)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCacheKit().AddOutputCacheStore(o => o.KeyPrefix = prefix);
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HybridOutputCacheStoreOptions>>().Value);

        Assert.Contains(nameof(HybridOutputCacheStoreOptions.KeyPrefix), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_NonPositiveLocalCacheExpiration_FailNamingTheSetting()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCacheKit().AddOutputCacheStore(o => o.LocalCacheExpiration = TimeSpan.Zero);
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HybridOutputCacheStoreOptions>>().Value);

        Assert.Contains(nameof(HybridOutputCacheStoreOptions.LocalCacheExpiration), ex.Message, StringComparison.Ordinal);
    }
}
