namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// What <c>[Cached]</c>, <c>.CacheResponse(...)</c> and a named policy say about an endpoint. Every member is optional:
/// unset members come from the named policy, then from the options' defaults (<see cref="ResponseCachePolicyResolver"/>).
/// The attribute and the convention produce this same type, so they share one resolution and one middleware path.
/// </summary>
internal sealed record ResponseCachePolicySettings
{
    public TimeSpan? Duration { get; init; }

    public TimeSpan? LocalDuration { get; init; }

    public string[]? Tags { get; init; }

    public string[]? VaryByQuery { get; init; }

    public string[]? VaryByHeader { get; init; }

    public string[]? VaryByRouteValue { get; init; }

    public bool? VaryByUser { get; init; }

    public string? PolicyName { get; init; }

    public bool? NoStore { get; init; }
}

/// <summary>Endpoint metadata carrying response-cache settings: <c>[Cached]</c> or what <c>.CacheResponse(...)</c> adds.</summary>
internal interface IResponseCachePolicyMetadata
{
    ResponseCachePolicySettings Settings { get; }
}

/// <summary>The metadata <c>.CacheResponse(...)</c> adds to an endpoint.</summary>
internal sealed class ResponseCachePolicyMetadata(ResponseCachePolicySettings settings) : IResponseCachePolicyMetadata
{
    public ResponseCachePolicySettings Settings { get; } = settings;
}
