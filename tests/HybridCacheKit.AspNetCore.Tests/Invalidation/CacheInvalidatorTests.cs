using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using HybridCacheKit.TestUtilities.Logging;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>ICacheInvalidator registered on its own (no web pipeline), over the real engine with an in-memory L2.</summary>
public sealed class CacheInvalidatorTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly CapturingLoggerProvider _logs = new();

    public CacheInvalidatorTests()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
        services.AddDistributedMemoryCache();
        services.AddHybridCacheKit();
        services.AddCacheInvalidator();
        _services = services.BuildServiceProvider();
        Cache = _services.GetRequiredService<HybridCache>();
        Invalidator = _services.GetRequiredService<ICacheInvalidator>();
    }

    private HybridCache Cache { get; }

    private ICacheInvalidator Invalidator { get; }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task InvalidateTagAsync_EvictsTaggedEntriesOnly()
    {
        await CacheProbe.SeedAsync(Cache, "a", "t1");
        await CacheProbe.SeedAsync(Cache, "b", "t2");

        await Invalidator.InvalidateTagAsync("t1");

        Assert.False(await CacheProbe.IsCachedAsync(Cache, "a", "t1"));
        Assert.True(await CacheProbe.IsCachedAsync(Cache, "b", "t2"));
    }

    [Fact]
    public async Task InvalidateTagsAsync_EvictsEveryNamedTag()
    {
        await CacheProbe.SeedAsync(Cache, "a", "t1");
        await CacheProbe.SeedAsync(Cache, "b", "t2");
        await CacheProbe.SeedAsync(Cache, "c", "t3");

        await Invalidator.InvalidateTagsAsync(["t1", "t2", "t1"]);

        Assert.False(await CacheProbe.IsCachedAsync(Cache, "a", "t1"));
        Assert.False(await CacheProbe.IsCachedAsync(Cache, "b", "t2"));
        Assert.True(await CacheProbe.IsCachedAsync(Cache, "c", "t3"));
    }

    [Fact]
    public async Task InvalidateKeyAsync_And_InvalidateKeysAsync_RemoveThoseKeys()
    {
        await CacheProbe.SeedAsync(Cache, "a");
        await CacheProbe.SeedAsync(Cache, "b");
        await CacheProbe.SeedAsync(Cache, "c");
        await CacheProbe.SeedAsync(Cache, "d");

        await Invalidator.InvalidateKeyAsync("a");
        await Invalidator.InvalidateKeysAsync(["b", "c"]);

        Assert.False(await CacheProbe.IsCachedAsync(Cache, "a"));
        Assert.False(await CacheProbe.IsCachedAsync(Cache, "b"));
        Assert.False(await CacheProbe.IsCachedAsync(Cache, "c"));
        Assert.True(await CacheProbe.IsCachedAsync(Cache, "d"));
    }

    [Fact]
    public async Task InvalidateAllAsync_EvictsEverything()
    {
        await CacheProbe.SeedAsync(Cache, "a", "t1");
        await CacheProbe.SeedAsync(Cache, "b");

        await Invalidator.InvalidateAllAsync();

        Assert.False(await CacheProbe.IsCachedAsync(Cache, "a", "t1"));
        Assert.False(await CacheProbe.IsCachedAsync(Cache, "b"));
        Assert.Single(_logs.WithEventId(3207));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("a\u0000b")]
    [InlineData("a\nb")]
    [InlineData("a\u0085b")]
    public async Task InvalidTag_Throws_NothingEvicted(string tag)
    {
        await CacheProbe.SeedAsync(Cache, "a", "ok");
        await CacheProbe.SeedAsync(Cache, "b");

        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateTagAsync(tag).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateTagsAsync(["ok", tag]).AsTask());

        Assert.True(await CacheProbe.IsCachedAsync(Cache, "a", "ok"));
        Assert.True(await CacheProbe.IsCachedAsync(Cache, "b"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("k\r\n")]
    [InlineData("__hck:tag:t")]
    public async Task InvalidKey_Throws_NothingRemoved(string key)
    {
        await CacheProbe.SeedAsync(Cache, "a");

        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateKeyAsync(key).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateKeysAsync(["a", key]).AsTask());

        Assert.True(await CacheProbe.IsCachedAsync(Cache, "a"));
    }

    [Fact]
    public async Task LoneSurrogates_Throw_NothingEvicted()
    {
        // Built here, not as theory data: xunit's serialization of theory arguments replaces lone surrogates.
        var high = "a" + (char)0xD800 + "b";
        var low = "k" + (char)0xDC00;
        await CacheProbe.SeedAsync(Cache, "a", "ok");

        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateTagAsync(high).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateTagsAsync(["ok", low]).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateKeyAsync(low).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Invalidator.InvalidateKeysAsync(["a", high]).AsTask());

        Assert.True(await CacheProbe.IsCachedAsync(Cache, "a", "ok"));
        await Invalidator.InvalidateTagAsync("a😀b");
    }

    [Fact]
    public async Task NullArguments_ThrowArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Invalidator.InvalidateTagAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => Invalidator.InvalidateTagsAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => Invalidator.InvalidateKeyAsync(null!).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => Invalidator.InvalidateKeysAsync(null!).AsTask());
    }

    [Fact]
    public async Task Logs_NameNoTagOrKey_ByDefault()
    {
        await Invalidator.InvalidateTagAsync("tenant-secret-tag");
        await Invalidator.InvalidateKeyAsync("tenant-secret-key");

        Assert.Single(_logs.WithEventId(3205));
        Assert.Single(_logs.WithEventId(3206));
        Assert.DoesNotContain(_logs.Entries, e => e.FullText.Contains("tenant-secret", StringComparison.Ordinal));
    }
}

/// <summary>Registration: standalone, with the response cache, twice, and without an engine.</summary>
public sealed class CacheInvalidatorRegistrationTests
{
    [Fact]
    public void AddCacheInvalidator_And_AddDistributedResponseCache_InAnyOrderAndTwice_OneSingleton()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCacheInvalidator();
        services.AddHybridCacheKit();
        services.AddDistributedResponseCache();
        services.AddCacheInvalidator();

        Assert.Single(services, d => d.ServiceType == typeof(ICacheInvalidator));
        Assert.Single(services, d => d.ImplementationType?.Name == "InvalidationStartupFilter");
        using var provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<ICacheInvalidator>(), provider.GetRequiredService<ICacheInvalidator>());
    }

    [Fact]
    public void AddDistributedResponseCache_AloneRegistersTheInvalidator()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCacheKit();
        services.AddDistributedResponseCache();
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetService<ICacheInvalidator>());
    }

    [Fact]
    public void WithoutHybridCache_ResolvingExplainsWhatToRegister()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCacheInvalidator();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ICacheInvalidator>());
        Assert.Contains("AddHybridCacheKit()", error.Message);
    }
}
