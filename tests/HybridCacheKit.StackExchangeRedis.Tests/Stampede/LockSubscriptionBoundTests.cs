using System.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.Resilience;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Stampede;

/// <summary>
/// The lock subscribes to release announcements before its first acquire and proves the subscription with pings. While
/// the subscription cannot come up, that proof takes several round trips; a caller must not wait for all of them.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class LockSubscriptionBoundTests
{
    private static readonly TimeSpan s_operationTimeout = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task TryAcquireAsync_SubscriptionConnectionCannotComeBack_FirstCallBoundedByOneTimeoutAndStillAcquires()
    {
        await using var server = await RedisServer.StartAsync();
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = server.ConfigurationString + ",name=hck-lock-bound",
            InstanceName = $"hck-lock-bound-{Guid.NewGuid():N}:",
            OperationTimeout = s_operationTimeout,
            CircuitBreakerFailureThreshold = 100,
        });
        using var distributedLock = new RedisDistributedLock(connection);
        await Eventually.WaitAsync(async () => await PingsAsync(connection), TimeSpan.FromSeconds(10), "the connection did not come up");
        using var raw = server.CreateClient();

        // Cut the multiplexer's subscription connection and keep it from coming back; commands still flow.
        using (SubscriptionCut.Start(raw, "hck-lock-bound"))
        {
            var watch = Stopwatch.StartNew();
            var lease = await distributedLock.TryAcquireAsync("k", CancellationToken.None);
            var took = watch.Elapsed;

            Assert.True(lease.IsAcquired);
            Assert.False(distributedLock.NotificationsConfirmed);
            // One OperationTimeout for the subscription, one for the acquire, and slack for a loaded machine.
            Assert.True(took < (s_operationTimeout * 2) + TimeSpan.FromMilliseconds(500), $"the first acquire took {took.TotalMilliseconds:F0} ms");
        }
    }

    private static async Task<bool> PingsAsync(RedisConnection connection)
    {
        try
        {
            _ = await connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None);
            return true;
        }
        catch (RedisCacheUnavailableException)
        {
            return false;
        }
    }
}
