namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// How a run ends when the request it runs the endpoint for (the owner) went away, its client disconnected, before the
/// run had a complete response: before the endpoint started, or while it ran. The endpoint did not fail, and what it made
/// for a request that is gone is neither stored nor handed on. So the requests that joined the run look the key up
/// again instead of each running the endpoint (see <c>ResponseCacheMiddleware.GetAsync</c>). As a
/// <see cref="HybridCacheRunAbandonedException"/> it is not a failure to the engine: fail-safe does not answer the
/// waiters with the stale response nor throttle the key, which would serve that stale response for
/// <c>FailSafeThrottleDuration</c> because one client disconnected.
/// </summary>
internal sealed class ResponseOwnerGoneException : HybridCacheRunAbandonedException
{
    private const string Text = "The request the response cache ran the endpoint for was aborted before its response was complete.";

    public ResponseOwnerGoneException()
        : base(Text)
    {
    }

    public ResponseOwnerGoneException(Exception innerException)
        : base(Text, innerException)
    {
    }
}
