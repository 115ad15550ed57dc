using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// After <see cref="RedisConnection.Dispose"/> no call reaches Redis any more, whoever owns the multiplexer: calls fail
/// as "unavailable" (which the engine treats as an L2 outage), even on the fast path that skips the connect step.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class ConnectionLifetimeTests(RedisServerFixture redis)
{
    [Fact]
    public async Task ExecuteAsync_AfterDispose_OwnMultiplexer_ThrowsUnavailable()
    {
        var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(5) });
        _ = await connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None);

        connection.Dispose();

        await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None));
    }

    [Fact]
    public async Task ExecuteAsync_AfterDispose_ApplicationMultiplexer_ThrowsUnavailableAndSendsNothing()
    {
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConfigurationString);
        var connection = new RedisConnection(new HybridCacheKitRedisOptions { ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(multiplexer), OperationTimeout = TimeSpan.FromSeconds(5) });
        _ = await connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None);

        connection.Dispose();
        var calls = 0;
        await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => connection.ExecuteAsync("ping", 0, (db, _) =>
        {
            calls++;
            return db.PingAsync();
        }, CancellationToken.None));

        Assert.Equal(0, calls);
        Assert.True(multiplexer.IsConnected);
    }

    [Fact]
    public async Task Dispose_WhileConnectingToAFrozenServer_TheMultiplexerItMadeIsClosedOnceItConnects()
    {
        // Before, Dispose found no multiplexer yet, and the one the connect produced afterwards stayed connected (and
        // reconnecting) for the life of the process.
        await using var server = await RedisServer.StartAsync();
        var name = "hck-disposed-" + Guid.NewGuid().ToString("N")[..8];
        var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = $"{server.ConfigurationString},name={name},connectTimeout=5000" });
        server.Pause();
        Task<IConnectionMultiplexer> connecting;
        try
        {
            connecting = connection.EnsureConnecting();
            await Task.Delay(300);
            Assert.False(connecting.IsCompleted);
            connection.Dispose();
        }
        finally
        {
            server.Resume();
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => connecting.WaitAsync(TimeSpan.FromSeconds(20)));
        using var raw = server.CreateClient();
        await MultiNode.Eventually.TrueAsync(
            () => !raw.Execute("CLIENT", "LIST").Text!.Contains("name=" + name, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the disposed connection's multiplexer closed its connections");
    }
}
