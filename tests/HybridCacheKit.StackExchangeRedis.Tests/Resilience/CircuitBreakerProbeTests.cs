using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// The half-open probe: after the break, the one call let through must settle the breaker whatever becomes of it.
/// Before the fix a probe cancelled by its caller, or answered with a command error, left the breaker half-open, and
/// every later call was refused until the process restarted: the node never used Redis again.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class CircuitBreakerProbeTests
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Probe_CancelledByItsCaller_TheNextCallProbesAndRedisIsUsedAgain()
    {
        await using var server = await RedisServer.StartAsync();
        using var connection = Connect(server);
        var key = await TripThenWaitOutTheBreakAsync(server, connection);
        server.Pause();
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Get(connection, key, cancel.Token));
        }
        finally
        {
            server.Resume();
        }

        await Eventually.WaitAsync(async () => await TryGetAsync(connection, key) == "v", TimeSpan.FromSeconds(5), "a call after the cancelled probe reaches Redis");
        Assert.False(connection.IsCircuitOpen);
    }

    [Fact]
    public async Task Probe_AnsweredWithACommandError_ClosesTheBreaker()
    {
        await using var server = await RedisServer.StartAsync();
        using var connection = Connect(server);
        var key = await TripThenWaitOutTheBreakAsync(server, connection);

        // The probe: HGETALL on a string is WRONGTYPE. Redis answered, so it is reachable.
        await Assert.ThrowsAsync<RedisServerException>(() => connection.ExecuteAsync("hgetall", key, static (db, k) => db.HashGetAllAsync(k), CancellationToken.None));

        Assert.False(connection.IsCircuitOpen);
        Assert.True(connection.WouldAttempt);
        Assert.Equal("v", await Get(connection, key, CancellationToken.None));
    }

    private static RedisConnection Connect(RedisServer server) => new(new HybridCacheKitRedisOptions
    {
        Configuration = server.ConfigurationString,
        OperationTimeout = TimeSpan.FromMilliseconds(200),
        CircuitBreakerFailureThreshold = 1,
        CircuitBreakDuration = BreakDuration,
    });

    /// <summary>
    /// Stores a string key, freezes the server until one call times out (which opens the breaker: threshold 1), continues
    /// it and waits out the break, so that the next call is the probe. Returns the key.
    /// </summary>
    private static async Task<string> TripThenWaitOutTheBreakAsync(RedisServer server, RedisConnection connection)
    {
        var key = "probe:" + Guid.NewGuid();

        // The first call also connects, which on a loaded machine can take longer than the 200 ms timeout.
        await Eventually.WaitAsync(async () => await TrySetAsync(connection, key), TimeSpan.FromSeconds(10), "the connection did not come up");
        server.Pause();
        try
        {
            var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => Get(connection, key, CancellationToken.None));
            Assert.Contains("no answer within", ex.Message, StringComparison.Ordinal);
            Assert.True(connection.IsCircuitOpen);
        }
        finally
        {
            server.Resume();
        }

        await Task.Delay(BreakDuration * 2);
        return key;
    }

    private static async Task<string?> Get(RedisConnection connection, string key, CancellationToken token)
        => await connection.ExecuteAsync("get", key, static (db, k) => db.StringGetAsync(k), token);

    private static async Task<bool> TrySetAsync(RedisConnection connection, string key)
    {
        try
        {
            return await connection.ExecuteAsync("set", key, static (db, k) => db.StringSetAsync(k, "v"), CancellationToken.None);
        }
        catch (RedisCacheUnavailableException)
        {
            return false;
        }
    }

    private static async Task<string?> TryGetAsync(RedisConnection connection, string key)
    {
        try
        {
            return await Get(connection, key, CancellationToken.None);
        }
        catch (RedisCacheUnavailableException)
        {
            return null;
        }
    }
}
