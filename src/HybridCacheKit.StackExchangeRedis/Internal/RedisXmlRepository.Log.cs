using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Internal;

internal sealed partial class RedisXmlRepository
{
    private static partial class Log
    {
        [LoggerMessage(2400, LogLevel.Debug, "Read {Count} Data Protection key elements from Redis.")]
        public static partial void KeyRingRead(ILogger logger, int count);

        [LoggerMessage(2401, LogLevel.Information, "Stored a new Data Protection key in Redis.")]
        public static partial void KeyStored(ILogger logger);

        [LoggerMessage(2402, LogLevel.Warning, "Data Protection could not {Action} Redis ({Cause}); retrying.")]
        public static partial void Retrying(ILogger logger, string action, string cause);

        [LoggerMessage(2403, LogLevel.Error, "Item {Index} of the Data Protection key ring list '{ListKey}' is not XML and was skipped ({Reason}); the other keys are used. Remove or repair it.")]
        public static partial void UnreadableElement(ILogger logger, int index, string listKey, string reason);
    }
}
