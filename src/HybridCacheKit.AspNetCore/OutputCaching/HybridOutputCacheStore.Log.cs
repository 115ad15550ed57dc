using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.OutputCaching;

// Event ids 3301-3319: the output-cache store. Keys, tags and response bodies are never logged.
internal sealed partial class HybridOutputCacheStore
{
    private static partial class Log
    {
        [LoggerMessage(3301, LogLevel.Warning, "An output-cache entry of {Size} bytes exceeds HybridCacheKitOptions.MaximumPayloadBytes ({Limit}); the response was served but not cached.")]
        public static partial void EntryTooLarge(ILogger logger, long size, long limit);

        [LoggerMessage(3302, LogLevel.Information, "Output-cache entries larger than {Limit} bytes (HybridCacheKitOptions.MaximumPayloadBytes) are served but not cached; OutputCacheOptions.MaximumBodySize is {MaximumBodySize} bytes. Raise MaximumPayloadBytes to cache larger responses.")]
        public static partial void SizeLimit(ILogger logger, long limit, long maximumBodySize);
    }
}
