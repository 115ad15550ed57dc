using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Invalidation;

// Event ids 3201-3299 belong to tag invalidation. Tags and keys appear only when the engine's IncludeKeysInLogs is on
// (and then shortened, see LogValues); values refused as invalid never appear, and neither do user names.
internal static partial class InvalidationLog
{
    [LoggerMessage(3201, LogLevel.Debug, "{Method} to {Endpoint} succeeded ({StatusCode}); invalidated {Count} tag(s) before sending the response. Tags: {Tags}")]
    public static partial void WriteInvalidatedTags(ILogger logger, string method, string? endpoint, int statusCode, int count, string tags);

    [LoggerMessage(3202, LogLevel.Warning, "{Count} tag template(s) of {Endpoint} could not be filled from this request's route values (missing, \"*\" alone, a control character, a lone surrogate or longer than 256 characters) and were not invalidated.")]
    public static partial void TagTemplatesUnresolved(ILogger logger, int count, string? endpoint);

    [LoggerMessage(3203, LogLevel.Error, "Invalidating {Count} tag(s) after a successful {Method} to {Endpoint} failed; the response was sent unchanged, and the tagged entries may be served stale until they expire. Tags: {Tags}")]
    public static partial void InvalidationFailedResponseKept(ILogger logger, Exception exception, int count, string method, string? endpoint, string tags);

    [LoggerMessage(3204, LogLevel.Error, "Invalidating {Count} tag(s) after a successful {Method} to {Endpoint} failed; the request is failed (FailRequestOnInvalidationError). Tags: {Tags}")]
    public static partial void InvalidationFailedRequestFailed(ILogger logger, Exception exception, int count, string method, string? endpoint, string tags);

    [LoggerMessage(3205, LogLevel.Debug, "Invalidated {Count} tag(s). Tags: {Tags}")]
    public static partial void TagsInvalidated(ILogger logger, int count, string tags);

    [LoggerMessage(3206, LogLevel.Debug, "Removed {Count} key(s). Keys: {Keys}")]
    public static partial void KeysRemoved(ILogger logger, int count, string keys);

    [LoggerMessage(3207, LogLevel.Information, "Invalidated every cache entry on every node.")]
    public static partial void AllInvalidated(ILogger logger);

    [LoggerMessage(3208, LogLevel.Information, "Cache admin endpoint: invalidated {Count} tag(s). Tags: {Tags}")]
    public static partial void AdminTagsInvalidated(ILogger logger, int count, string tags);

    [LoggerMessage(3209, LogLevel.Information, "Cache admin endpoint: removed {Count} key(s). Keys: {Keys}")]
    public static partial void AdminKeysRemoved(ILogger logger, int count, string keys);

    [LoggerMessage(3210, LogLevel.Warning, "Cache admin endpoint: invalidated every cache entry on every node.")]
    public static partial void AdminAllInvalidated(ILogger logger);

    [LoggerMessage(3211, LogLevel.Information, "Cache admin endpoint: request refused with {StatusCode} ({Reason}).")]
    public static partial void AdminRequestRefused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(3212, LogLevel.Information, "Cache admin endpoints mapped at {Prefix}; authorization: {Authorization}.")]
    public static partial void AdminEndpointsMapped(ILogger logger, string prefix, string authorization);

    [LoggerMessage(3213, LogLevel.Warning, "Cache admin endpoints mapped at {Prefix} WITHOUT an authorization requirement of their own (AllowAnonymous): anyone who reaches them can evict entries.")]
    public static partial void AdminEndpointsAnonymous(ILogger logger, string prefix);

    /// <summary>What the logs show for tags or keys: "[redacted]" unless the engine's IncludeKeysInLogs is on.</summary>
    public static string LogValues(IReadOnlyList<string> values, bool include)
    {
        if (!include)
        {
            return "[redacted]";
        }

        const int maxValues = 20;
        const int maxLength = 128;
        var shown = values.Take(maxValues).Select(v => v.Length > maxLength ? v[..maxLength] + "…" : v);
        var text = string.Join(", ", shown);
        return values.Count > maxValues ? $"{text}, … ({values.Count - maxValues} more)" : text;
    }
}
