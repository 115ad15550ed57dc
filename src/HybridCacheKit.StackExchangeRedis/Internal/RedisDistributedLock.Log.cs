using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Internal;

internal sealed partial class RedisDistributedLock
{
    // Event ids 2250-2299. Never keys or values.
    private static partial class Log
    {
        [LoggerMessage(2250, LogLevel.Debug, "The Redis lock is unavailable ({Reason}): the caller computes locally.")]
        public static partial void LockUnavailable(ILogger logger, string reason);

        [LoggerMessage(2251, LogLevel.Warning, "The Redis lock failed with a command error: the caller computes locally.")]
        public static partial void LockFailed(ILogger logger, Exception exception);

        [LoggerMessage(2252, LogLevel.Warning, "Redis refused a Lua script ({Reason}): the lock uses plain commands from now on.")]
        public static partial void ScriptsRefused(ILogger logger, string reason);

        [LoggerMessage(2253, LogLevel.Debug, "A Redis lock could not be released ({Reason}); it expires on its own.")]
        public static partial void ReleaseFailed(ILogger logger, string reason);

        [LoggerMessage(2254, LogLevel.Debug, "The Redis lock cannot receive release announcements yet ({Reason}); meanwhile waiters poll L2 instead of being woken.")]
        public static partial void SubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(2255, LogLevel.Debug, "A Redis lock release could not be announced ({Reason}); waiters of other nodes find out when their wait ends.")]
        public static partial void AnnounceFailed(ILogger logger, string reason);

        [LoggerMessage(2256, LogLevel.Error, "Handling a Redis lock release announcement failed.")]
        public static partial void NotificationFailed(ILogger logger, Exception exception);

        [LoggerMessage(2257, LogLevel.Debug, "A Redis lock's expiry could not be renewed ({Reason}); retrying at the next renewal.")]
        public static partial void RenewalFailed(ILogger logger, string reason);

        [LoggerMessage(2258, LogLevel.Warning, "A run has held its Redis lock for nearly {MaxHold}: the lock is no longer renewed and expires, so another node may start a run.")]
        public static partial void RenewalLimitReached(ILogger logger, TimeSpan maxHold);
    }
}
