using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

[Collection(RedisServerFixture.CollectionName)]
public sealed class PlainStringLayoutTests(RedisServerFixture redis) : IDisposable
{
    private static readonly string s_prefix = "plain:" + Guid.NewGuid().ToString("N")[..8] + ":";
    private readonly RedisConnection _connection = new(new HybridCacheKitRedisOptions
    {
        Configuration = redis.ConfigurationString,
        OperationTimeout = TimeSpan.FromSeconds(5),
        ValueLayout = RedisValueLayout.PlainString,
        InstanceName = s_prefix,
    });

    public void Dispose() => _connection.Dispose();

    [Fact]
    public async Task SetAsync_PlainString_WritesAStringWithAMillisecondTtl()
    {
        var cache = new RedisDistributedCache(_connection);

        await cache.SetAsync("k", [1, 2, 3], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(90) });

        using var client = redis.Server.CreateClient();
        Assert.Equal("string", client.Execute("TYPE", s_prefix + "k").Text);
        Assert.Equal(new byte[] { 1, 2, 3 }, client.Execute("GET", s_prefix + "k").Bytes);
        Assert.InRange(client.Execute("PTTL", s_prefix + "k").Integer, 80_000, 90_000);
    }

    [Fact]
    public async Task GetAsync_PlainString_ReadsAValueWrittenWithRawSet()
    {
        var cache = new RedisDistributedCache(_connection);
        using var client = redis.Server.CreateClient();
        client.Execute("SET", s_prefix + "raw", "hello");

        Assert.Equal("hello"u8.ToArray(), await cache.GetAsync("raw"));
        Assert.Null(await cache.GetAsync("absent"));
    }

    [Fact]
    public async Task SetAsync_PlainStringWithSlidingExpiration_ThrowsNotSupported()
    {
        var cache = new RedisDistributedCache(_connection);

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => cache.SetAsync("k", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) }));

        Assert.Contains("MicrosoftHash", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAsync_PlainStringWithoutExpiration_HasNoTtl()
    {
        var cache = new RedisDistributedCache(_connection);

        await cache.SetAsync("forever", [9], new DistributedCacheEntryOptions());

        using var client = redis.Server.CreateClient();
        Assert.Equal(-1, client.Execute("TTL", s_prefix + "forever").Integer);
    }
}
