using System.Buffers;
using System.Text;
using HybridCacheKit.TestUtilities.Redis;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// <see cref="IBufferDistributedCache.TryGetAsync"/>, the read HybridCache implementations make: one HMGET, never the
/// read-and-refresh script, and EXPIRE only when the entry turns out to slide (so sliding entries written by anyone,
/// Microsoft's RedisCache included, are still renewed, in a second round trip). Each test starts its own server so the
/// command statistics see only this test.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class BufferReadTests : IAsyncLifetime
{
    private static readonly DistributedCacheEntryOptions Sliding = new() { SlidingExpiration = TimeSpan.FromMinutes(2) };
    private static readonly DistributedCacheEntryOptions Absolute = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2) };
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private RedisServer _server = null!;
    private CacheHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _harness = CacheHarness.Create(_server, _time);
    }

    public async Task DisposeAsync()
    {
        _harness.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task TryGetAsync_AbsoluteEntry_OneHmgetAndNoScriptOrExpire()
    {
        await _harness.Cache.SetAsync("k", [1, 2, 3], Absolute);
        var ttlBefore = _harness.Pttl("k");
        ServerStats.Reset(_harness.Raw);

        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(await _harness.Cache.TryGetAsync("k", buffer));

        Assert.Equal([1, 2, 3], buffer.WrittenSpan.ToArray());
        var stats = ServerStats.CommandStats(_harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(0, ServerStats.Calls(stats, "evalsha") + ServerStats.Calls(stats, "eval") + ServerStats.Calls(stats, "script|load"));
        Assert.Equal(0, ServerStats.Calls(stats, "expire"));
        Assert.InRange(_harness.Pttl("k"), 0, ttlBefore);
    }

    [Fact]
    public async Task TryGetAsync_SlidingEntry_RenewsTtlWithHmgetThenExpire()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        Shorten("k", 5);
        ServerStats.Reset(_harness.Raw);

        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(await _harness.Cache.TryGetAsync("k", buffer));

        Assert.Equal([1], buffer.WrittenSpan.ToArray());
        var stats = ServerStats.CommandStats(_harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(1, ServerStats.Calls(stats, "expire"));
        Assert.Equal(0, ServerStats.Calls(stats, "evalsha") + ServerStats.Calls(stats, "eval"));
        Assert.InRange(_harness.Pttl("k"), 118_000, 120_000);
    }

    [Fact]
    public async Task TryGetAsync_AbsoluteAndSlidingEntry_RenewsOnlyUpToAbsolute()
    {
        await _harness.Cache.SetAsync("k", [1], new DistributedCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10),
            SlidingExpiration = TimeSpan.FromMinutes(2),
        });
        _time.Advance(TimeSpan.FromMinutes(9));
        Shorten("k", 5);

        Assert.True(await _harness.Cache.TryGetAsync("k", new ArrayBufferWriter<byte>()));

        // One minute of the absolute expiration is left on the cache's clock: the renewal stops there, not at 2 minutes.
        Assert.InRange(_harness.Pttl("k"), 59_000, 60_000);
    }

    [Fact]
    public async Task TryGetAsync_PastAbsoluteExpirationOnTheCachesClock_MissAndNothingWritten()
    {
        await _harness.Cache.SetAsync("k", [1], Absolute);
        _time.Advance(TimeSpan.FromMinutes(2));
        var buffer = new ArrayBufferWriter<byte>();

        Assert.False(await _harness.Cache.TryGetAsync("k", buffer));

        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public async Task TryGetAsync_MissingKey_MissWithoutExpire()
    {
        ServerStats.Reset(_harness.Raw);

        Assert.False(await _harness.Cache.TryGetAsync("absent", new ArrayBufferWriter<byte>()));

        var stats = ServerStats.CommandStats(_harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(0, ServerStats.Calls(stats, "expire"));
    }

    [Fact]
    public async Task TryGetAsync_SessionWrittenLikeMicrosoft_ReturnsValueAndRenewsTtl()
    {
        var value = Encoding.UTF8.GetBytes("session blob");
        var key = _harness.RedisKey("session:1");
        CacheHarness.RawOk(_harness.Raw.Execute("HSET", key, "absexp", -1, "sldexp", TimeSpan.FromMinutes(20).Ticks, "data", value));
        CacheHarness.RawOk(_harness.Raw.Execute("EXPIRE", key, 5));
        var buffer = new ArrayBufferWriter<byte>();

        Assert.True(await _harness.Cache.TryGetAsync("session:1", buffer));

        Assert.Equal(value, buffer.WrittenSpan.ToArray());
        Assert.InRange(_harness.Pttl("session:1"), 1_198_000, 1_200_000);
    }

    [Fact]
    public async Task TryGetAsync_KeyHoldsAString_ThrowsWrongTypeAndNothingChanged()
    {
        // Hostile or foreign data under the key: Redis's own error surfaces (the engine turns it into an L2 failure).
        CacheHarness.RawOk(_harness.Raw.Execute("SET", _harness.RedisKey("k"), "not a hash"));

        var ex = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => _harness.Cache.TryGetAsync("k", new ArrayBufferWriter<byte>()).AsTask());

        Assert.StartsWith("WRONGTYPE", ex.Message, StringComparison.Ordinal);
        Assert.Equal("not a hash", _harness.Raw.Execute("GET", _harness.RedisKey("k")).Text);
    }

    [Fact]
    public async Task GetAsync_SlidingEntry_StillOneEvalShaWhileTryGetUsesHmget()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
        ServerStats.Reset(_harness.Raw);

        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
        Assert.True(await _harness.Cache.TryGetAsync("k", new ArrayBufferWriter<byte>()));

        var stats = ServerStats.CommandStats(_harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "evalsha"));
        Assert.Equal(2, ServerStats.Calls(stats, "hmget"));  // one inside the script, one from TryGet
        Assert.Equal(2, ServerStats.Calls(stats, "expire")); // likewise
    }

    private void Shorten(string key, int seconds) => CacheHarness.RawOk(_harness.Raw.Execute("EXPIRE", _harness.RedisKey(key), seconds));
}
