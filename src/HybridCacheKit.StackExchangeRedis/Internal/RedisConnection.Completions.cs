using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Where callers resume after a Redis reply. StackExchange.Redis 1.x, with PreserveAsyncOrder = true (its default),
// completes every task of a multiplexer on one ordered completion worker, and an await continues inline on it: a caller
// that runs there stalls every other reply, and a synchronous call made there waits for a reply queued behind itself.
// With PreserveAsyncOrder = false each completion is its own thread-pool work item, so resuming inline is safe and costs
// no extra thread hop. The package sets it on multiplexers it creates (its own pub/sub handlers do not depend on
// message order: evictions are idempotent, tag stamps only move forward, lock releases only wake waiters). It never
// changes a multiplexer the application supplies (its own subscribers may rely on order); for those, callers are moved
// to the thread pool when the setting is on.
//
// StackExchange.Redis 2.x removed the ordered worker: PreserveAsyncOrder is [Obsolete], always reads false and ignores
// writes, so the same code means "no hop" there. 3.0 is announced to remove the member.
internal sealed partial class RedisConnection
{
#pragma warning disable CS0618 // Obsolete in StackExchange.Redis 2.x (a no-op there), meaningful in 1.x.
    private static bool PreservesAsyncOrder(IConnectionMultiplexer multiplexer) => multiplexer.PreserveAsyncOrder;

    private static void UseThreadPoolCompletions(ConnectionMultiplexer multiplexer) => multiplexer.PreserveAsyncOrder = false;
#pragma warning restore CS0618
}
