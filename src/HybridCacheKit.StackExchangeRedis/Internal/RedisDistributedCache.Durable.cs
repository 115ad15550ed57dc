using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// The durable view (IHybridCacheDistributedCacheDurableView): the same cache over the same connection, key prefix,
// layout and scripts, whose calls run as durable calls (RedisConnection.Durable.cs): their own timeout, outside the
// circuit breaker. Every Redis call of this class passes _durable, which is null for the cache itself.
internal sealed partial class RedisDistributedCache
{
    private readonly DurableCalls? _durable;

    private RedisDistributedCache(RedisDistributedCache cache, DurableCalls durable)
        : this(cache._connection)
    {
        _logger = cache._logger;
        _durable = durable;

        // A server that refused scripts to the cache refuses them to the view too; one that refuses them later costs
        // the view one failed command of its own.
        _scriptsRefused = Volatile.Read(ref cache._scriptsRefused);
    }

    /// <summary>
    /// A view whose calls wait up to <paramref name="operationTimeout"/> and are never refused by the circuit breaker,
    /// nor counted by it (sessions: RedisConnection.Durable.cs says why).
    /// </summary>
    public IDistributedCache CreateDurableView(TimeSpan operationTimeout)
        => new RedisDistributedCache(this, new DurableCalls(operationTimeout, _time));
}
