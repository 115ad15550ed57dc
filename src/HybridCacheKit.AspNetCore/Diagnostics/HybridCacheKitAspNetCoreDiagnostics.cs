using HybridCacheKit.Diagnostics;

namespace HybridCacheKit.AspNetCore.Diagnostics;

/// <summary>
/// The names under which HybridCacheKit's ASP.NET Core layer publishes metrics, for OpenTelemetry
/// (<c>AddMeter(HybridCacheKitAspNetCoreDiagnostics.MeterName)</c>) and <c>dotnet-counters</c>. The engine's own
/// instruments are under <see cref="HybridCacheKitDiagnostics.MeterName"/>.
/// </summary>
/// <remarks>
/// Every request the response cache handles (an endpoint with a cache policy) is counted in exactly one of
/// <see cref="ResponseHits"/>, <see cref="ResponseStampedeJoins"/>, <see cref="ResponseStaleServed"/>,
/// <see cref="ResponseMisses"/> and <see cref="ResponseNotStored"/>; <see cref="ResponseNotModified"/> counts which of the
/// first three were answered with a 304. Tags carry fixed values only: never keys, paths, queries or users.
/// </remarks>
public static class HybridCacheKitAspNetCoreDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> of the ASP.NET Core layer.</summary>
    public const string MeterName = "HybridCacheKit.AspNetCore";

    /// <summary>
    /// Counter of requests answered with a stored response, fresh, without running the endpoint and without waiting for
    /// another request's run; tag <see cref="TierTag"/>: <c>l1</c> (found by the middleware's own read of this node's
    /// memory) or <c>l2</c> (found by the engine after that read missed: in L2, or rarely put in L1 by a concurrent request in between).
    /// </summary>
    public const string ResponseHits = "hybridcache.response.hits";

    /// <summary>Counter of requests whose endpoint ran and whose response was stored.</summary>
    public const string ResponseMisses = "hybridcache.response.misses";

    /// <summary>
    /// Counter of requests the response cache handled without storing a response: the request bypassed the cache, or
    /// its endpoint ran and the response could not be stored; tag <see cref="ReasonTag"/> says why (see the docs for the values).
    /// </summary>
    public const string ResponseNotStored = "hybridcache.response.not_stored";

    /// <summary>Counter of requests answered with 304 Not Modified from a stored response (a subset of hits, joins and stale serves).</summary>
    public const string ResponseNotModified = "hybridcache.response.not_modified";

    /// <summary>
    /// Counter of requests that waited for another request's run of the same endpoint and key (on this node, or on
    /// another node through the distributed lock) and were answered with the response it stored.
    /// </summary>
    public const string ResponseStampedeJoins = "hybridcache.response.stampede.joins";

    /// <summary>
    /// Counter of lookups repeated by requests that waited for another request's run and saw that request's client
    /// disconnect before the run had a complete response: each such request asks the cache again, so one of them runs
    /// the endpoint and the others join it; after two retries a request runs the endpoint itself. Not an outcome: the
    /// request is then counted as a join, a miss, or not stored like any other.
    /// </summary>
    public const string ResponseStampedeRetries = "hybridcache.response.stampede.retries";

    /// <summary>
    /// Counter of requests answered with a stored response older than its policy's duration: the engine's fail-safe
    /// after the endpoint failed, a factory soft timeout, or the copy fail-safe keeps serving while the endpoint keeps failing.
    /// </summary>
    public const string ResponseStaleServed = "hybridcache.response.stale_served";

    /// <summary>
    /// Histogram of the time the middleware spent serving a hit, in seconds: from finding the endpoint's policy to
    /// handing the response to the server (not until the client received it); tag <see cref="TierTag"/>. Recorded only while observed.
    /// </summary>
    public const string ResponseHitDuration = "hybridcache.response.hit.duration";

    /// <summary>The tag naming the tier a hit came from (<c>l1</c>, <c>l2</c>); the same tag name as the engine's.</summary>
    public const string TierTag = HybridCacheKitDiagnostics.TierTag;

    /// <summary>
    /// The tag on <see cref="ResponseNotStored"/> saying why nothing was stored. Request side: <c>method</c>,
    /// <c>request_body</c>, <c>authenticated</c>, <c>authentication_not_run</c>, <c>client_cache_control</c>, <c>head_miss</c>.
    /// Response side: <c>status</c>, <c>set_cookie</c>, <c>cache_control</c>, <c>vary_star</c>, <c>vary_header</c>,
    /// <c>too_large</c>, <c>buffering_disabled</c>, <c>response_started</c>, <c>content_length</c>, <c>invalid_header</c>,
    /// <c>tag</c>, <c>session</c>, <c>endpoint_error</c>. Waiters: <c>shared_run_not_stored</c>, <c>shared_run_failed</c>.
    /// </summary>
    public const string ReasonTag = "hybridcache.response.reason";
}
