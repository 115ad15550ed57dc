using HybridCacheKit.AspNetCore.Internal;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>How the query string enters the cache key.</summary>
internal enum QueryVaryMode
{
    /// <summary>The raw query string, byte for byte (the default, <c>"*"</c>).</summary>
    All,

    /// <summary>The query is ignored.</summary>
    None,

    /// <summary>Only the listed keys, as the application reads them through <c>Request.Query</c>.</summary>
    Listed,
}

/// <summary>
/// The effective policy of one endpoint: every setting resolved and everything the request path needs precomputed (the
/// entry options, sorted vary lists, parsed tag templates). Built once per endpoint by <see cref="ResponseCachePolicyResolver"/>.
/// </summary>
internal sealed class ResponseCachePolicy
{
    public ResponseCachePolicy(
        TimeSpan duration,
        TimeSpan localDuration,
        TagTemplateSet tags,
        QueryVaryMode queryMode,
        string[] queryKeys,
        string[] headerNames,
        string[] routeValueNames,
        bool varyByUser)
    {
        Duration = duration;
        LocalDuration = localDuration;
        Tags = tags;
        QueryMode = queryMode;
        QueryKeys = queryKeys;
        HeaderNames = headerNames;
        RouteValueNames = routeValueNames;
        VaryByUser = varyByUser;
        EntryOptions = new HybridCacheEntryOptions { Expiration = duration, LocalCacheExpiration = localDuration };
        var allowedVary = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Accept-Encoding" };
        allowedVary.UnionWith(headerNames);
        AllowedVaryHeaders = allowedVary;
    }

    public TimeSpan Duration { get; }

    public TimeSpan LocalDuration { get; }

    public HybridCacheEntryOptions EntryOptions { get; }

    public TagTemplateSet Tags { get; }

    public QueryVaryMode QueryMode { get; }

    /// <summary>Listed query keys, distinct (case-insensitively, as <c>Request.Query</c> matches them) and sorted.</summary>
    public string[] QueryKeys { get; }

    /// <summary>Header names, lower case, distinct and sorted.</summary>
    public string[] HeaderNames { get; }

    /// <summary>Route value names, distinct (case-insensitively) and sorted.</summary>
    public string[] RouteValueNames { get; }

    public bool VaryByUser { get; }

    /// <summary>Names a response's <c>Vary</c> header may list and still be cached: Accept-Encoding and the policy's headers.</summary>
    public HashSet<string> AllowedVaryHeaders { get; }
}
