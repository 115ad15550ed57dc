using HybridCacheKit.TestUtilities.Redis;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// Absolute, relative and sliding expiration: the fields written, the Redis TTL (checked with PTTL on a raw client) and
/// its renewal. The cache runs on a fake clock, so "time passing" for the cache is <see cref="FakeTimeProvider.Advance"/>;
/// Redis keeps real time, so a shortened TTL stands in for time passing on the server.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisDistributedCacheExpirationTests(RedisServerFixture redis) : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private CacheHarness? _harness;

    private CacheHarness Harness => _harness ??= CacheHarness.Create(redis.Server, _time);

    private IBufferDistributedCache Cache => Harness.Cache;

    public void Dispose() => _harness?.Dispose();

    [Fact]
    public async Task SetAsync_NoExpiration_NoTtlAndBothFieldsMinusOne()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions());

        var fields = Harness.HashGetAll("k");
        Assert.Equal(-1, CacheHarness.Long(fields, "absexp"));
        Assert.Equal(-1, CacheHarness.Long(fields, "sldexp"));
        Assert.Equal(-1, Harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_RelativeExpiration_AbsoluteFromInjectedClockAndTtlInSeconds()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) });

        var fields = Harness.HashGetAll("k");
        Assert.Equal((_time.GetUtcNow() + TimeSpan.FromMinutes(10)).UtcTicks, CacheHarness.Long(fields, "absexp"));
        Assert.Equal(-1, CacheHarness.Long(fields, "sldexp"));
        AssertTtlSeconds(600, Harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_AbsoluteExpirationWithFraction_TtlRoundedUpToWholeSeconds()
    {
        var absolute = _time.GetUtcNow() + TimeSpan.FromSeconds(90.25);

        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = absolute });

        var pttl = Harness.Pttl("k");
        Assert.Equal(absolute.UtcTicks, CacheHarness.Long(Harness.HashGetAll("k"), "absexp"));
        Assert.InRange(pttl, 90_001, 91_000);
    }

    [Fact]
    public async Task SetAsync_AbsoluteExpirationWithOffset_StoresUtcTicks()
    {
        var absolute = (_time.GetUtcNow() + TimeSpan.FromHours(1)).ToOffset(TimeSpan.FromHours(-5));

        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = absolute });

        Assert.Equal(absolute.UtcTicks, CacheHarness.Long(Harness.HashGetAll("k"), "absexp"));
        Assert.Equal([1], await Cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_AbsoluteExpirationNotInFuture_ThrowsAndWritesNothing()
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() };

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Cache.SetAsync("k", [1], options));

        Assert.Equal("AbsoluteExpiration", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Cache.Set("k", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() - TimeSpan.FromSeconds(1) }));
        Assert.Equal(-2, Harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_SlidingOnly_TtlIsSlidingAndAbsoluteMinusOne()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(2) });

        var fields = Harness.HashGetAll("k");
        Assert.Equal(-1, CacheHarness.Long(fields, "absexp"));
        Assert.Equal(TimeSpan.FromMinutes(2).Ticks, CacheHarness.Long(fields, "sldexp"));
        AssertTtlSeconds(120, Harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_SlidingShorterThanAbsolute_TtlIsSliding()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10), SlidingExpiration = TimeSpan.FromMinutes(2) });

        AssertTtlSeconds(120, Harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_AbsoluteShorterThanSliding_TtlIsAbsoluteRemaining()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30), SlidingExpiration = TimeSpan.FromMinutes(2) });

        AssertTtlSeconds(30, Harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_ReplacingEntryWithTtlByOneWithout_RemovesTtl()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });

        await Cache.SetAsync("k", [2], new DistributedCacheEntryOptions());

        Assert.Equal(-1, Harness.Pttl("k"));
        Assert.Equal([2], await Cache.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_Sliding_RenewsTtlToSlidingWindow()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(2) });
        ShortenTtl("k", seconds: 5);
        _time.Advance(TimeSpan.FromSeconds(115));

        Assert.Equal([1], await Cache.GetAsync("k"));

        AssertTtlSeconds(120, Harness.Pttl("k"));
    }

    [Fact]
    public async Task GetAsync_AbsoluteOnly_LeavesTtlAlone()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2) });
        ShortenTtl("k", seconds: 5);

        Assert.Equal([1], await Cache.GetAsync("k"));

        AssertTtlSeconds(5, Harness.Pttl("k"));
    }

    [Fact]
    public async Task RefreshAsync_Sliding_RenewsTtl()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(2) });
        ShortenTtl("k", seconds: 5);

        await Cache.RefreshAsync("k");

        AssertTtlSeconds(120, Harness.Pttl("k"));
    }

    [Fact]
    public async Task Refresh_SyncSliding_RenewsTtl()
    {
        Cache.Set("k", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(3) });
        ShortenTtl("k", seconds: 5);

        Cache.Refresh("k");

        AssertTtlSeconds(180, Harness.Pttl("k"));
    }

    [Fact]
    public async Task RefreshAsync_MissingKey_CreatesNothing()
    {
        await Cache.RefreshAsync("missing");

        Assert.Equal(-2, Harness.Pttl("missing"));
    }

    [Fact]
    public async Task TryGetAsync_Sliding_RenewsTtl()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(2) });
        ShortenTtl("k", seconds: 5);

        Assert.True(await Cache.TryGetAsync("k", new System.Buffers.ArrayBufferWriter<byte>()));

        AssertTtlSeconds(120, Harness.Pttl("k"));
    }

    [Fact]
    public async Task GetAsync_SlidingNearAbsoluteExpiration_TtlCappedByAbsolute()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2), SlidingExpiration = TimeSpan.FromMinutes(1) });
        AssertTtlSeconds(60, Harness.Pttl("k"));
        ShortenTtl("k", seconds: 5);
        _time.Advance(TimeSpan.FromSeconds(90));

        Assert.Equal([1], await Cache.GetAsync("k"));

        AssertTtlSeconds(30, Harness.Pttl("k"));
    }

    [Fact]
    public async Task GetAsync_AbsoluteExpirationPassedBeforeRedisTtl_ReturnsNullWithoutRenewing()
    {
        await Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2), SlidingExpiration = TimeSpan.FromMinutes(1) });
        ShortenTtl("k", seconds: 5);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Null(await Cache.GetAsync("k"));
        Assert.False(await Cache.TryGetAsync("k", new System.Buffers.ArrayBufferWriter<byte>()));

        AssertTtlSeconds(5, Harness.Pttl("k"));
    }

    [Fact]
    public async Task GetAsync_AfterRedisTtlRunsOut_ReturnsNull()
    {
        using var realTime = CacheHarness.Create(redis.Server);
        await realTime.Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        Assert.Equal([1], await realTime.Cache.GetAsync("k"));

        // The cache stops returning the entry at its absolute expiration (checked on read); Redis drops the key when its
        // TTL, rounded up to whole seconds, runs out, which can be a few milliseconds later (PTTL 0 in between). Wait for
        // both, within a bound, then check both.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await realTime.Cache.GetAsync("k") is not null || realTime.Pttl("k") != -2) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Null(await realTime.Cache.GetAsync("k"));
        Assert.Equal(-2, realTime.Pttl("k"));
    }

    /// <summary>
    /// PTTL is at most <paramref name="seconds"/> and at most two seconds less (EXPIRE takes whole seconds; Redis counts
    /// down in real time while the test runs).
    /// </summary>
    private static void AssertTtlSeconds(long seconds, long pttl)
        => Assert.InRange(pttl, (seconds * 1000) - 2000, seconds * 1000);

    private void ShortenTtl(string key, int seconds) => CacheHarness.RawOk(Harness.Raw.Execute("EXPIRE", Harness.RedisKey(key), seconds));
}
