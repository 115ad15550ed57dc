using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Event ids 2100-2199 belong to the Redis distributed cache. Never log keys or values.
internal sealed partial class RedisDistributedCache
{
    private static partial class Log
    {
        [LoggerMessage(2100, LogLevel.Warning, "Redis refused the distributed cache's Lua script ({Reason}). Until the application restarts, writes use MULTI/EXEC and reads of entries with sliding expiration refresh them with HMGET then EXPIRE (two round trips); grant EVAL and EVALSHA for the one-command paths.")]
        public static partial void ScriptsRefused(ILogger logger, string reason);

        [LoggerMessage(2101, LogLevel.Debug, "Redis no longer had the distributed cache's Lua script (NOSCRIPT: restart, failover or SCRIPT FLUSH); sent it again.")]
        public static partial void ScriptReloaded(ILogger logger);
    }
}
