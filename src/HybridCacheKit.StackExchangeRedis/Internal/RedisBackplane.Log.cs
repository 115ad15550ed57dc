using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Internal;

internal sealed partial class RedisBackplane
{
    // Event ids 2200-2249. Never keys, tags or values.
    private static partial class Log
    {
        [LoggerMessage(2200, LogLevel.Information, "The Redis backplane is subscribed and its heartbeat came back: changes made on other nodes are received.")]
        public static partial void Connected(ILogger logger);

        [LoggerMessage(2201, LogLevel.Warning, "The Redis backplane lost its subscription ({Reason}): changes made on other nodes are missed until it is back.")]
        public static partial void Disconnected(ILogger logger, string reason);

        [LoggerMessage(2202, LogLevel.Warning, "The Redis backplane ignored a message it cannot read ({Status}); {Count} ignored so far.")]
        public static partial void MessageRejected(ILogger logger, string status, long count);

        [LoggerMessage(2203, LogLevel.Debug, "The Redis backplane could not subscribe yet ({Reason}); retrying every {Interval}.")]
        public static partial void SubscribeFailed(ILogger logger, TimeSpan interval, string reason);

        [LoggerMessage(2204, LogLevel.Debug, "A Redis backplane message ({Kind}) could not be published.")]
        public static partial void PublishFailed(ILogger logger, Exception exception, string kind);

        [LoggerMessage(2205, LogLevel.Debug, "The Redis backplane heartbeat could not be published ({Reason}).")]
        public static partial void HeartbeatFailed(ILogger logger, string reason);

        [LoggerMessage(2206, LogLevel.Error, "The cache engine's backplane listener threw.")]
        public static partial void ListenerFailed(ILogger logger, Exception exception);

        [LoggerMessage(2207, LogLevel.Debug, "The Redis backplane could not unsubscribe on dispose.")]
        public static partial void UnsubscribeFailed(ILogger logger, Exception exception);

        [LoggerMessage(2208, LogLevel.Error, "The Redis backplane supervision loop failed; it goes on.")]
        public static partial void SupervisionFailed(ILogger logger, Exception exception);
    }
}
