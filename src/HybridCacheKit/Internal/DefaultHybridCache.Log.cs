using HybridCacheKit.Internal.Envelope;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Internal;

// Event ids 1000-1999 belong to the engine. Keys appear only when IncludeKeysInLogs is on; values never do.
internal sealed partial class DefaultHybridCache
{
    private string LogKey(string key) => _options.IncludeKeysInLogs ? key : "[redacted]";

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Warning, "A cache key was rejected ({Reason}); the call bypassed the cache. Key: {Key}")]
        public static partial void KeyRejected(ILogger logger, string reason, string key);

        [LoggerMessage(1002, LogLevel.Warning, "A value of {Size} bytes exceeds MaximumPayloadBytes ({Limit}); it was returned but not cached. Key: {Key}")]
        public static partial void PayloadTooLarge(ILogger logger, long size, long limit, string key);

        [LoggerMessage(1003, LogLevel.Warning, "The distributed cache (L2) failed during {Operation}; carrying on without it. Key: {Key}")]
        public static partial void DistributedCacheFailed(ILogger logger, Exception exception, string operation, string key);

        [LoggerMessage(1004, LogLevel.Warning, "The distributed cache (L2) did not answer {Operation} within {Timeout}; carrying on without it. Key: {Key}")]
        public static partial void DistributedCacheTimedOut(ILogger logger, string operation, TimeSpan timeout, string key);

        [LoggerMessage(1005, LogLevel.Warning, "An L2 payload was rejected ({Status}) and treated as a miss. Key: {Key}")]
        public static partial void InvalidPayload(ILogger logger, EnvelopeReadStatus status, string key);

        [LoggerMessage(1006, LogLevel.Warning, "An L2 payload could not be deserialized as {Type} and was treated as a miss. Key: {Key}")]
        public static partial void DeserializationFailed(ILogger logger, Exception exception, string type, string key);

        [LoggerMessage(1007, LogLevel.Warning, "The factory failed; fail-safe served the stale value. Key: {Key}")]
        public static partial void FailSafeServedStale(ILogger logger, Exception exception, string key);

        [LoggerMessage(1008, LogLevel.Warning, "The factory did not finish within FactoryHardTimeout ({Timeout}) and was cancelled. Key: {Key}")]
        public static partial void FactoryHardTimeout(ILogger logger, TimeSpan timeout, string key);

        [LoggerMessage(1009, LogLevel.Debug, "The factory did not finish within FactorySoftTimeout ({Timeout}); the stale value was served while it completes in the background. Key: {Key}")]
        public static partial void FactorySoftTimeout(ILogger logger, TimeSpan timeout, string key);

        [LoggerMessage(1010, LogLevel.Warning, "A background refresh failed; the current value stays until it expires. Key: {Key}")]
        public static partial void BackgroundRefreshFailed(ILogger logger, Exception exception, string key);

        [LoggerMessage(1011, LogLevel.Warning, "Tag invalidation state could not be read from L2; the entry was treated as a miss. Key: {Key}")]
        public static partial void TagStateUnavailable(ILogger logger, string key);

        [LoggerMessage(1012, LogLevel.Warning, "A value of type {Type} could not be serialized; it was returned but not cached. Key: {Key}")]
        public static partial void SerializationFailed(ILogger logger, Exception exception, string type, string key);

        [LoggerMessage(1013, LogLevel.Warning, "Waited {Timeout} for another instance to compute a value; computing it here instead. Key: {Key}")]
        public static partial void LockWaitTimedOut(ILogger logger, TimeSpan timeout, string key);

        [LoggerMessage(1014, LogLevel.Warning, "Releasing a distributed lock failed; it will expire on its own. Key: {Key}")]
        public static partial void LockReleaseFailed(ILogger logger, Exception exception, string key);

        [LoggerMessage(1015, LogLevel.Warning, "The backplane disconnected: L1 entries will be revalidated against L2 before they are served.")]
        public static partial void BackplaneDisconnected(ILogger logger);

        [LoggerMessage(1016, LogLevel.Information, "The backplane reconnected: L1 entries from before are revalidated and tag state is re-read.")]
        public static partial void BackplaneReconnected(ILogger logger);

        [LoggerMessage(1017, LogLevel.Warning, "A backplane message ({Kind}) could not be sent.")]
        public static partial void BackplanePublishFailed(ILogger logger, Exception exception, string kind);

        [LoggerMessage(1018, LogLevel.Warning, "{Count} tag states were tracked, the limit: they were dropped, and tagged L1 entries validated before now are revalidated against L2 before they are served. Many distinct invalidated tags (e.g. one per id from request input) cause this.")]
        public static partial void TagStatesCompacted(ILogger logger, int count);
    }
}
