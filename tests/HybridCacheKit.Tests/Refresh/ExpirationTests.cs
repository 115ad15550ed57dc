using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Refresh;

public sealed class ExpirationTests
{
    private static readonly KeyValuePair<string, object?> s_l2 = new(HybridCacheKitDiagnostics.TierTag, "l2");

    [Fact]
    public async Task GetOrCreateAsync_JustBeforeAndAtExpiration_ServesCachedValueThenRunsFactory()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(time: time);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10) };
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(++runs);

        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("key", Factory, options));
        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("key", Factory, options));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("key", Factory, options));
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task GetOrCreateAsync_LocalCacheExpirationShorterWithoutL2_RunsFactoryWhenLocalCopyExpires()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(time: time);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10), LocalCacheExpiration = TimeSpan.FromSeconds(2) };
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(++runs);

        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("key", Factory, options));
        time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("key", Factory, options));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("key", Factory, options));
    }

    [Fact]
    public async Task GetOrCreateAsync_LocalCopyExpiredWithL2_AnswersFromL2UntilExpiration()
    {
        var time = new FakeTimeProvider();
        var l2 = new BufferDistributedCache(time);
        using var sut = CacheUnderTest.Create(time: time, l2: l2);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10), LocalCacheExpiration = TimeSpan.FromSeconds(2) };
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{++runs}");

        Assert.Equal("v1", await sut.Cache.GetOrCreateAsync("key", Factory, options));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("v1", await sut.Cache.GetOrCreateAsync("key", Factory, options));
        Assert.Equal(1, runs);
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l2));

        time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal("v2", await sut.Cache.GetOrCreateAsync("key", Factory, options));
        Assert.Equal(2, runs);
    }
}
