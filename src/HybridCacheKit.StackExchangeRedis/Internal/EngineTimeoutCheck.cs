using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Registered when Redis is the engine's L2 (<c>AddStackExchangeRedis</c>). The engine bounds each L2 call by its own
/// <see cref="HybridCacheKitOptions.DistributedCacheTimeout"/> and cancels the call when that runs out. A cancellation
/// tells the package nothing about Redis, so if <see cref="HybridCacheKitRedisOptions.OperationTimeout"/> is not the
/// shorter of the two, a frozen or unreachable server never produces a timeout the circuit breaker counts: it never
/// opens, and every call waits the engine's full timeout until Redis is back. Said once, when the connection is created.
/// </summary>
internal sealed partial class EngineTimeoutCheck
{
    public static void Run(HybridCacheKitRedisOptions redis, HybridCacheKitOptions engine, ILoggerFactory? loggerFactory)
    {
        if (loggerFactory is not null && redis.OperationTimeout >= engine.DistributedCacheTimeout)
        {
            Log.BreakerCannotOpen(loggerFactory.CreateLogger<EngineTimeoutCheck>(), redis.OperationTimeout, engine.DistributedCacheTimeout);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2003, LogLevel.Warning, "HybridCacheKit Redis: OperationTimeout ({OperationTimeout}) is not shorter than the engine's DistributedCacheTimeout ({DistributedCacheTimeout}). The engine gives up on a slow Redis first, so no call times out in the Redis package and its circuit breaker never opens: while Redis is frozen or unreachable every L2 call waits the engine's full timeout. Make OperationTimeout shorter than DistributedCacheTimeout.")]
        public static partial void BreakerCannotOpen(ILogger logger, TimeSpan operationTimeout, TimeSpan distributedCacheTimeout);
    }
}
