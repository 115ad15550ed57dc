using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>
/// Invalidates the tags of <c>[InvalidatesTags]</c> endpoints after a successful write, just before the response
/// starts, so a client that received the 2xx reads fresh data on its next request (read-your-writes on this node and
/// in L2; other nodes' L1 copies follow within the backplane's lag).
/// </summary>
/// <remarks>
/// The work is hooked on <c>Response.OnStarting</c>: that is the last moment the status code is final and nothing has
/// reached the client yet. Waiting until the endpoint returns would be too late for endpoints that write a body (the
/// response has started by then); <c>OnCompleted</c> would let the client read before the eviction. The middleware
/// keeps no state between requests: templates are parsed once in the endpoint metadata, and each request allocates
/// only its own small list of tags.
/// </remarks>
internal sealed class TagInvalidationMiddleware(
    RequestDelegate next,
    CacheInvalidator invalidator,
    IOptions<CacheInvalidationOptions> options,
    ILogger<TagInvalidationMiddleware> logger)
{
    private static readonly Func<object, Task> s_onStarting = static state => ((PendingInvalidation)state).RunAsync();

    private readonly bool _failRequestOnError = options.Value.FailRequestOnInvalidationError;

    public Task InvokeAsync(HttpContext context)
    {
        // Only writes invalidate: a GET or HEAD that could evict would let any reader (or a crawler, or a cache
        // poisoning attempt) wipe entries and send load to the database.
        if (!IsWrite(context.Request.Method))
        {
            return next(context);
        }

        var attributes = context.GetEndpoint()?.Metadata.GetOrderedMetadata<InvalidatesTagsAttribute>();
        if (attributes is null || attributes.Count == 0)
        {
            return next(context);
        }

        // Parse (normally done at start-up already) before the endpoint runs, so a malformed template fails the
        // request before the write rather than after it.
        foreach (var attribute in attributes)
        {
            _ = attribute.Templates;
        }

        context.Response.OnStarting(s_onStarting, new PendingInvalidation(this, context, attributes));
        return next(context);
    }

    internal static bool IsWrite(string method)
        => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private async Task InvalidateAsync(HttpContext context, IReadOnlyList<InvalidatesTagsAttribute> attributes)
    {
        var status = context.Response.StatusCode;
        if (status is < 200 or > 299)
        {
            return;
        }

        var tags = ResolveTags(context, attributes, out var refused);
        var endpoint = context.GetEndpoint()?.DisplayName;
        if (refused > 0)
        {
            InvalidationLog.TagTemplatesUnresolved(logger, refused, endpoint);
        }

        if (tags.Count == 0)
        {
            return;
        }

        try
        {
            // Not the request's token: the write has happened, so its tags must be invalidated even if the client left.
            await invalidator.RemoveTagsAsync(tags, CancellationToken.None).ConfigureAwait(false);
            InvalidationLog.WriteInvalidatedTags(logger, context.Request.Method, endpoint, status, tags.Count, InvalidationLog.LogValues(tags, invalidator.IncludeKeysInLogs));
        }
        catch (Exception ex)
        {
            var shown = InvalidationLog.LogValues(tags, invalidator.IncludeKeysInLogs);
            if (_failRequestOnError)
            {
                InvalidationLog.InvalidationFailedRequestFailed(logger, ex, tags.Count, context.Request.Method, endpoint, shown);
                throw;
            }

            InvalidationLog.InvalidationFailedResponseKept(logger, ex, tags.Count, context.Request.Method, endpoint, shown);
        }
    }

    private static List<string> ResolveTags(HttpContext context, IReadOnlyList<InvalidatesTagsAttribute> attributes, out int refused)
    {
        refused = 0;
        var routeValues = context.Request.RouteValues;
        var tags = new List<string>();
        foreach (var attribute in attributes)
        {
            var resolved = attribute.Templates.Resolve(routeValues, out var refusedHere);
            foreach (var tag in resolved)
            {
                if (!tags.Contains(tag, StringComparer.Ordinal))
                {
                    tags.Add(tag);
                }
            }

            refused += refusedHere;
        }

        return tags;
    }

    private sealed class PendingInvalidation(TagInvalidationMiddleware owner, HttpContext context, IReadOnlyList<InvalidatesTagsAttribute> attributes)
    {
        public Task RunAsync() => owner.InvalidateAsync(context, attributes);
    }
}
