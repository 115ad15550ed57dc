using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

// Event ids 3001-3199 belong to the response cache. Reasons and endpoint names only: never keys, paths, queries or users.
internal sealed partial class ResponseCacheMiddleware
{
    private static partial class Log
    {
        [LoggerMessage(3002, LogLevel.Debug, "A response was not cached: {Reason}. Endpoint: {Endpoint}")]
        public static partial void NotCached(ILogger logger, string reason, string endpoint);

        [LoggerMessage(3003, LogLevel.Debug, "The run this request waited for failed ({ExceptionType}); the request runs the endpoint itself.")]
        public static partial void SharedRunFailed(ILogger logger, string exceptionType);

        [LoggerMessage(3004, LogLevel.Warning, "Authentication is configured but had not run when the response cache saw a request, so nothing is cached: call UseDistributedResponseCache() after UseAuthentication() and UseAuthorization().")]
        public static partial void AuthenticationNotRun(ILogger logger);

        [LoggerMessage(3005, LogLevel.Debug, "The run this request waited for lost the request it ran the endpoint for (its client disconnected); the request looks the key up again (retry {Retry} of {Retries}).")]
        public static partial void OwnerGoneRetry(ILogger logger, int retry, int retries);
    }
}
