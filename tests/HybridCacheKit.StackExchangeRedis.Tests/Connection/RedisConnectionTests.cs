using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Redis;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisConnectionTests(RedisServerFixture redis)
{
    [Fact]
    public async Task ExecuteAsync_RealServer_RoundTripsValue()
    {
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(5) });
        var key = "conn:" + Guid.NewGuid();

        await connection.ExecuteAsync("set", key, static (db, k) => db.StringSetAsync(k, "v1"), CancellationToken.None);
        var value = await connection.ExecuteAsync("get", key, static (db, k) => db.StringGetAsync(k), CancellationToken.None);

        Assert.Equal("v1", (string?)value);
    }

    [Fact]
    public async Task ExecuteAsync_NoServerListening_ThrowsUnavailableWithinTimeout()
    {
        var port = TestPorts.GetFreeTcpPort();
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = $"127.0.0.1:{port},connectTimeout=200", OperationTimeout = TimeSpan.FromMilliseconds(200) });

        var call = connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), CancellationToken.None);
        var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains("get", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_RepeatedFailures_OpensCircuitAndStopsCalling()
    {
        var port = TestPorts.GetFreeTcpPort();
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = $"127.0.0.1:{port},connectTimeout=200",
            OperationTimeout = TimeSpan.FromMilliseconds(100),
            CircuitBreakerFailureThreshold = 2,
            CircuitBreakDuration = TimeSpan.FromMinutes(5),
        });
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var calls = 0;
        var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => connection.ExecuteAsync("get", "k", (db, k) =>
        {
            calls++;
            return db.StringGetAsync(k);
        }, CancellationToken.None));

        Assert.True(connection.IsCircuitOpen);
        Assert.Equal(0, calls);
        Assert.Contains("circuit breaker is open", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_CommandError_PassesThroughWithoutTrippingBreaker()
    {
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(5), CircuitBreakerFailureThreshold = 1 });
        var key = "conn:" + Guid.NewGuid();
        await connection.ExecuteAsync("set", key, static (db, k) => db.StringSetAsync(k, "text"), CancellationToken.None);

        await Assert.ThrowsAsync<RedisServerException>(() => connection.ExecuteAsync("hgetall", key, static (db, k) => db.HashGetAllAsync(k), CancellationToken.None));

        Assert.False(connection.IsCircuitOpen);
    }
}
