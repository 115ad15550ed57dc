namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// Why a request handled by the response cache stored nothing. Each value has a fixed metric tag value (low cardinality,
/// no request data) and, for the response-side reasons, the text of log 3002.
/// </summary>
internal enum NotStoredReason : byte
{
    // The request bypassed the cache.
    Method,
    RequestBody,
    Authenticated,
    AuthenticationNotRun,
    ClientCacheControl,
    HeadMiss,

    // The endpoint ran on this request and its response could not be stored.
    Status,
    SetCookie,
    CacheControl,
    VaryStar,
    VaryHeader,
    TooLarge,
    BufferingDisabled,
    ResponseStarted,
    ContentLength,
    InvalidHeader,
    Tag,
    Session,
    EndpointError,

    // The request waited for another request's run and then ran the endpoint itself.
    SharedRunNotStored,
    SharedRunFailed,
}

internal static class NotStoredReasons
{
    /// <summary>The number of values, for tables indexed by the enum.</summary>
    public const int Count = (int)NotStoredReason.SharedRunFailed + 1;

    /// <summary>The value of the metric tag <c>hybridcache.response.reason</c>.</summary>
    public static string TagValue(NotStoredReason reason) => reason switch
    {
        NotStoredReason.Method => "method",
        NotStoredReason.RequestBody => "request_body",
        NotStoredReason.Authenticated => "authenticated",
        NotStoredReason.AuthenticationNotRun => "authentication_not_run",
        NotStoredReason.ClientCacheControl => "client_cache_control",
        NotStoredReason.HeadMiss => "head_miss",
        NotStoredReason.Status => "status",
        NotStoredReason.SetCookie => "set_cookie",
        NotStoredReason.CacheControl => "cache_control",
        NotStoredReason.VaryStar => "vary_star",
        NotStoredReason.VaryHeader => "vary_header",
        NotStoredReason.TooLarge => "too_large",
        NotStoredReason.BufferingDisabled => "buffering_disabled",
        NotStoredReason.ResponseStarted => "response_started",
        NotStoredReason.ContentLength => "content_length",
        NotStoredReason.InvalidHeader => "invalid_header",
        NotStoredReason.Tag => "tag",
        NotStoredReason.Session => "session",
        NotStoredReason.EndpointError => "endpoint_error",
        NotStoredReason.SharedRunNotStored => "shared_run_not_stored",
        NotStoredReason.SharedRunFailed => "shared_run_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>The reason as log 3002 words it.</summary>
    public static string Description(NotStoredReason reason) => reason switch
    {
        NotStoredReason.Status => "the status code is not cacheable",
        NotStoredReason.SetCookie => "the response sets a cookie",
        NotStoredReason.CacheControl => "Cache-Control forbids storing the response",
        NotStoredReason.VaryStar => "the response varies by everything (Vary: *)",
        NotStoredReason.VaryHeader => "the response varies by a header the policy does not vary by",
        NotStoredReason.TooLarge => "too large",
        NotStoredReason.BufferingDisabled => "buffering disabled",
        NotStoredReason.ResponseStarted => "the response was started outside the cache",
        NotStoredReason.ContentLength => "Content-Length does not match the body",
        NotStoredReason.InvalidHeader => "a header cannot be stored",
        NotStoredReason.Tag => "a tag could not be resolved from the route values",
        NotStoredReason.Session => "the endpoint used the session",
        _ => TagValue(reason),
    };
}
