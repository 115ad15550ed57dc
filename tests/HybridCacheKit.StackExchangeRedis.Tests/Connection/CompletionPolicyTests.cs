using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// Where callers resume after a reply (RedisConnection.Completions.cs): a multiplexer the package creates completes
/// tasks on the thread pool (PreserveAsyncOrder = false), so callers resume inline; a multiplexer the application
/// supplies is left as it is, and when it keeps StackExchange.Redis 1.x's ordered completion worker, callers are moved
/// off it. Either way a synchronous call made right after an awaited one must not wait for a reply queued behind itself.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class CompletionPolicyTests(RedisServerFixture redis)
{
    private static readonly DistributedCacheEntryOptions NoExpiration = new();

#pragma warning disable CS0618 // PreserveAsyncOrder: obsolete (a no-op) in StackExchange.Redis 2.x, meaningful in 1.2.6.
    [Fact]
    public async Task Connect_OwnMultiplexer_TurnsOffPreserveAsyncOrder()
    {
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(5) });

        _ = await connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None);

        Assert.False(connection.Multiplexer!.PreserveAsyncOrder);
    }

    [Fact]
    public async Task Connect_ApplicationMultiplexer_LeavesPreserveAsyncOrderAsItWas()
    {
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConfigurationString);
        Assert.True(multiplexer.PreserveAsyncOrder);
        using (var connection = new RedisConnection(new HybridCacheKitRedisOptions { ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(multiplexer), OperationTimeout = TimeSpan.FromSeconds(5) }))
        {
            _ = await connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None);

            Assert.Same(multiplexer, connection.Multiplexer);
            Assert.True(multiplexer.PreserveAsyncOrder);
        }

        // Not the package's to dispose either.
        Assert.True(multiplexer.IsConnected);
    }
#pragma warning restore CS0618

    [Fact]
    public async Task Get_SyncCallAfterAwaitedCall_ApplicationMultiplexerWithOrderedCompletions_DoesNotWaitForTimeout()
    {
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConfigurationString);
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(multiplexer),
            InstanceName = $"hck-cp-{Guid.NewGuid():N}:",
            OperationTimeout = TimeSpan.FromMinutes(1),
        });
        var cache = new RedisDistributedCache(connection);
        cache.Set("k", [1], NoExpiration);
        for (var i = 0; i < 20; i++)
        {
            // Without the move to the thread pool this continuation would run on the ordered completion worker and the
            // synchronous Get would wait there, for the one-minute timeout, for a reply only that worker can deliver.
            var afterAwait = Task.Run(async () =>
            {
                await cache.GetAsync("k");
                var viaBuffer = await cache.TryGetAsync("k", new System.Buffers.ArrayBufferWriter<byte>());
                return (Sync: cache.Get("k"), viaBuffer);
            });

            var (sync, viaBuffer) = await afterAwait.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal([1], sync);
            Assert.True(viaBuffer);
        }
    }

    [Fact]
    public async Task Subscribe_OwnMultiplexer_MessagesStillArriveWithUnorderedCompletions()
    {
        // The package's own pub/sub handlers run as independent thread-pool items once PreserveAsyncOrder is off: every
        // message must still be delivered, once.
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(5) });
        var channel = new RedisChannel($"hck-cp-{Guid.NewGuid():N}", RedisChannel.PatternMode.Literal);
        var received = new System.Collections.Concurrent.ConcurrentBag<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Count = 500;
        Action<RedisChannel, RedisValue> handler = (_, value) =>
        {
            received.Add((int)value);
            if (received.Count == Count)
            {
                all.TrySetResult();
            }
        };
        _ = await connection.ExecuteSubscriberAsync("subscribe", (channel, handler), static async (sub, s) =>
        {
            await sub.SubscribeAsync(s.channel, s.handler);
            return true;
        }, CancellationToken.None);

        for (var i = 0; i < Count; i++)
        {
            _ = await connection.ExecuteSubscriberAsync("publish", (channel, i), static (sub, s) => sub.PublishAsync(s.channel, s.i), CancellationToken.None);
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, Count), received.Order());
    }
}
