using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

public sealed class ExpirationDefaultsTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_NoOptions_ExpiresAfterFiveMinutes(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        host.Time.Advance(TimeSpan.FromMinutes(5) - Second);
        var before = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        host.Time.Advance(2 * Second);
        var after = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", before);
        Assert.Equal("v2", after);
        Assert.Equal(2, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_DefaultEntryOptionsExpiration_Applies()
    {
        await using var host = CacheHost.Create(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) });
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        host.Time.Advance(TimeSpan.FromMinutes(1) - Second);
        var before = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        host.Time.Advance(2 * Second);
        var after = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", before);
        Assert.Equal("v2", after);
    }

    [Fact]
    public async Task GetOrCreateAsync_CallExpiration_OverridesDefault()
    {
        await using var host = CacheHost.Create(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) });
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10) };
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);

        host.Time.Advance(TimeSpan.FromMinutes(9));
        var before = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);
        host.Time.Advance(TimeSpan.FromMinutes(1) + Second);
        var after = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);

        Assert.Equal("v1", before);
        Assert.Equal("v2", after);
    }

    [Fact]
    public async Task GetOrCreateAsync_LocalExpirationShorterThanExpiration_L2AnswersWithoutFactory()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(5), LocalCacheExpiration = TimeSpan.FromMinutes(1) };
        var factory = new CountingFactory<string>(n => $"v{n}");
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);

        // Another instance replaces the L2 value: this instance sees it only once its L1 copy has expired.
        await host.CreateSibling().SetAsync(key, "from L2", options);
        host.Time.Advance(TimeSpan.FromMinutes(1) - Second);
        var fromL1 = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);
        host.Time.Advance(2 * Second);
        var fromL2 = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);

        Assert.Equal("v1", fromL1);
        Assert.Equal("from L2", fromL2);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_DefaultEntryOptionsLocalExpiration_L1ExpiresFirst()
    {
        await using var host = CacheHost.CreateWithL2(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { LocalCacheExpiration = TimeSpan.FromMinutes(1) });
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        await host.CreateSibling().SetAsync(key, "from L2");

        host.Time.Advance(TimeSpan.FromMinutes(1) - Second);
        var fromL1 = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        host.Time.Advance(2 * Second);
        var fromL2 = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        host.Time.Advance(TimeSpan.FromMinutes(4));
        var expired = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", fromL1);
        Assert.Equal("from L2", fromL2);
        Assert.Equal("v2", expired);
    }

    [Fact]
    public async Task GetOrCreateAsync_LocalExpirationLongerThanExpiration_CappedAtExpiration()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1), LocalCacheExpiration = TimeSpan.FromMinutes(10) };
        var factory = new CountingFactory<string>(n => $"v{n}");
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);

        host.Time.Advance(TimeSpan.FromMinutes(1) + Second);
        var after = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, options);

        Assert.Equal("v2", after);
    }

    [Fact]
    public async Task SetAsync_NoOptions_ExpiresAfterFiveMinutes()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "set");

        host.Time.Advance(TimeSpan.FromMinutes(5) - Second);
        var before = await host.Cache.TryGetAsync<string>(key);
        host.Time.Advance(2 * Second);
        var after = await host.Cache.TryGetAsync<string>(key);

        Assert.True(before.Found);
        Assert.False(after.Found);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task GetOrCreateAsync_NonPositiveExpiration_ThrowsArgumentOutOfRange(int seconds)
    {
        await using var host = CacheHost.Create();
        var factory = new CountingFactory<int>(1);

        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () => await host.Cache.GetOrCreateAsync(
            Keys.New(), factory.InvokeAsync, new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(seconds) }));
        Assert.Equal(0, factory.Calls);
    }
}
