using System.Globalization;
using System.Text;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// Both directions of compatibility with Microsoft.Extensions.Caching.StackExchangeRedis (RedisCache), which is not
/// available on this machine, so its wire behaviour is reproduced with raw commands:
/// <list type="bullet">
/// <item>current versions: <c>HSET key absexp A sldexp S data D</c> pipelined with <c>EXPIRE key T</c> (no EXPIRE
/// when there is no expiration); older versions: one EVAL that runs <c>HMSET</c> with the same fields, then
/// <c>EXPIRE</c> unless T is -1.</item>
/// <item>A and S are ticks (UTC for A) or -1; T is whole seconds, truncated: min(A - now, S), or whichever is set.</item>
/// <item>Its reader: <c>HMGET key absexp sldexp data</c>; when sldexp is not -1, <c>EXPIRE</c> with min(A - now, S).</item>
/// </list>
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class MicrosoftLayoutCompatibilityTests(RedisServerFixture redis) : IDisposable
{
    // Behaviourally the SET script of Microsoft.Extensions.Caching.Redis 1.x/2.x: ARGV = absexp, sldexp, ttl seconds or -1, data.
    private const string OlderMicrosoftSetScript = """
        redis.call('HMSET', KEYS[1], 'absexp', ARGV[1], 'sldexp', ARGV[2], 'data', ARGV[4])
        if ARGV[3] ~= '-1' then
          redis.call('EXPIRE', KEYS[1], ARGV[3])
        end
        return 1
        """;

    private readonly CacheHarness _harness = CacheHarness.Create(redis.Server);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task GetAsync_EntryWrittenLikeCurrentMicrosoftWithSliding_ReturnsValueAndRenewsTtl()
    {
        var value = Encoding.UTF8.GetBytes("session blob");
        WriteLikeMicrosoft("session:1", value, absoluteUtcTicks: -1, slidingTicks: TimeSpan.FromMinutes(20).Ticks, ttlSeconds: 1200);
        Shorten("session:1", 5);

        Assert.Equal(value, await _harness.Cache.GetAsync("session:1"));

        Assert.InRange(_harness.Pttl("session:1"), 1_198_000, 1_200_000);
    }

    [Fact]
    public async Task GetAsync_EntryWrittenLikeCurrentMicrosoftWithAbsoluteAndSliding_RenewsUpToAbsolute()
    {
        var now = DateTimeOffset.UtcNow;
        var absolute = now + TimeSpan.FromSeconds(40);
        WriteLikeMicrosoft("k", [1, 2], absolute.UtcTicks, TimeSpan.FromMinutes(5).Ticks, ttlSeconds: 40);
        Shorten("k", 5);

        Assert.Equal([1, 2], await _harness.Cache.GetAsync("k"));

        Assert.InRange(_harness.Pttl("k"), 36_000, 41_000);
    }

    [Fact]
    public async Task GetAsync_EntryWrittenLikeCurrentMicrosoftAbsoluteOnly_ReturnsValueAndKeepsTtl()
    {
        var absolute = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
        WriteLikeMicrosoft("k", [3], absolute.UtcTicks, slidingTicks: -1, ttlSeconds: 60);
        Shorten("k", 5);

        Assert.Equal([3], await _harness.Cache.GetAsync("k"));

        Assert.InRange(_harness.Pttl("k"), 3_000, 5_000);
    }

    [Fact]
    public async Task GetAsync_EntryWrittenLikeCurrentMicrosoftNoExpiration_ReturnsValue()
    {
        WriteLikeMicrosoft("k", [4], absoluteUtcTicks: -1, slidingTicks: -1, ttlSeconds: null);

        Assert.Equal([4], await _harness.Cache.GetAsync("k"));
        Assert.Equal(-1, _harness.Pttl("k"));
    }

    [Fact]
    public async Task GetAsync_EntryWrittenLikeOlderMicrosoftScriptWithSliding_ReturnsValueAndRenewsTtl()
    {
        var value = Encoding.UTF8.GetBytes("older layout");
        WriteLikeOlderMicrosoft("k", value, absoluteUtcTicks: -1, slidingTicks: TimeSpan.FromMinutes(2).Ticks, ttlSeconds: 120);
        Shorten("k", 5);

        Assert.Equal(value, await _harness.Cache.GetAsync("k"));

        Assert.InRange(_harness.Pttl("k"), 118_000, 120_000);
    }

    [Fact]
    public async Task RefreshAsync_EntryWrittenLikeOlderMicrosoftScript_RenewsTtl()
    {
        WriteLikeOlderMicrosoft("k", [5], absoluteUtcTicks: -1, slidingTicks: TimeSpan.FromMinutes(2).Ticks, ttlSeconds: 120);
        Shorten("k", 5);

        await _harness.Cache.RefreshAsync("k");

        Assert.InRange(_harness.Pttl("k"), 118_000, 120_000);
    }

    [Fact]
    public async Task GetAsync_EntryWrittenLikeOlderMicrosoftScriptNoExpiration_ReturnsValueWithoutTtl()
    {
        WriteLikeOlderMicrosoft("k", [6], absoluteUtcTicks: -1, slidingTicks: -1, ttlSeconds: null);

        Assert.Equal([6], await _harness.Cache.GetAsync("k"));
        Assert.Equal(-1, _harness.Pttl("k"));
    }

    [Fact]
    public async Task GetAsync_EntryWrittenLikeMicrosoftWithEmptyData_ReturnsEmpty()
    {
        WriteLikeMicrosoft("k", [], absoluteUtcTicks: -1, slidingTicks: -1, ttlSeconds: null);

        Assert.Equal(Array.Empty<byte>(), await _harness.Cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_Sliding_MicrosoftReaderFindsItsFieldsAndTtl()
    {
        var value = Encoding.UTF8.GetBytes("written by HybridCacheKit");

        await _harness.Cache.SetAsync("k", value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });

        Assert.Equal("hash", _harness.Raw.Execute("TYPE", _harness.RedisKey("k")).Text);
        var fields = _harness.HashGetAll("k");
        Assert.Equal(["absexp", "data", "sldexp"], fields.Keys.Order(StringComparer.Ordinal));
        var (absolute, sliding, data) = ReadLikeMicrosoft("k");
        Assert.Equal(-1, absolute);
        Assert.Equal(TimeSpan.FromMinutes(20).Ticks, sliding);
        Assert.Equal(value, data);
        Assert.InRange(_harness.Pttl("k"), 1_198_000, 1_200_000);
    }

    [Fact]
    public async Task SetAsync_AbsoluteAndSliding_MicrosoftReaderRefreshesWithinAbsolute()
    {
        var before = DateTimeOffset.UtcNow;
        await _harness.Cache.SetAsync("k", [7], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1), SlidingExpiration = TimeSpan.FromMinutes(5) });
        var after = DateTimeOffset.UtcNow;

        var (absolute, sliding, data) = ReadLikeMicrosoft("k");

        Assert.InRange(absolute, (before + TimeSpan.FromMinutes(1)).UtcTicks, (after + TimeSpan.FromMinutes(1)).UtcTicks);
        Assert.Equal(TimeSpan.FromMinutes(5).Ticks, sliding);
        Assert.Equal([7], data);
        Assert.InRange(_harness.Pttl("k"), 57_000, 60_000);
    }

    [Fact]
    public async Task SetAsync_NoExpiration_MicrosoftReaderSeesMinusOnesAndNoTtl()
    {
        await _harness.Cache.SetAsync("k", [8], new DistributedCacheEntryOptions());

        var (absolute, sliding, data) = ReadLikeMicrosoft("k");

        Assert.Equal(-1, absolute);
        Assert.Equal(-1, sliding);
        Assert.Equal([8], data);
        Assert.Equal(-1, _harness.Pttl("k"));
    }

    [Fact]
    public async Task SetAsync_ThenMicrosoftRemove_EntryGone()
    {
        await _harness.Cache.SetAsync("k", [9], new DistributedCacheEntryOptions());

        Assert.Equal(1, _harness.Raw.Execute("DEL", _harness.RedisKey("k")).Integer);

        Assert.Null(await _harness.Cache.GetAsync("k"));
    }

    private void WriteLikeMicrosoft(string key, byte[] data, long absoluteUtcTicks, long slidingTicks, long? ttlSeconds)
    {
        var redisKey = _harness.RedisKey(key);
        CacheHarness.RawOk(_harness.Raw.Execute("HSET", redisKey, "absexp", absoluteUtcTicks, "sldexp", slidingTicks, "data", data));
        if (ttlSeconds is { } ttl)
        {
            CacheHarness.RawOk(_harness.Raw.Execute("EXPIRE", redisKey, ttl));
        }
    }

    private void WriteLikeOlderMicrosoft(string key, byte[] data, long absoluteUtcTicks, long slidingTicks, long? ttlSeconds)
        => CacheHarness.RawOk(_harness.Raw.Execute("EVAL", OlderMicrosoftSetScript, 1, _harness.RedisKey(key), absoluteUtcTicks, slidingTicks, ttlSeconds ?? -1, data));

    /// <summary>What Microsoft's reader does first: HMGET the three fields, each tick field parsed as a long.</summary>
    private (long Absolute, long Sliding, byte[] Data) ReadLikeMicrosoft(string key)
    {
        var reply = _harness.Raw.Execute("HMGET", _harness.RedisKey(key), "absexp", "sldexp", "data");
        var items = reply.Items!;
        return (long.Parse(items[0].Text!, CultureInfo.InvariantCulture), long.Parse(items[1].Text!, CultureInfo.InvariantCulture), items[2].Bytes!);
    }

    private void Shorten(string key, int seconds) => CacheHarness.RawOk(_harness.Raw.Execute("EXPIRE", _harness.RedisKey(key), seconds));
}
