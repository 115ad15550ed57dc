using HybridCacheKit.AspNetCore.ResponseCaching;

namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Caches the responses of an MVC controller, an action or a minimal-API handler through HybridCacheKit: a hit is served
/// from this process's memory (L1), and every node shares the entry through the distributed cache (L2). Needs
/// <c>services.AddDistributedResponseCache()</c> and <c>app.UseDistributedResponseCache()</c>.
/// </summary>
/// <remarks>
/// Settings left unset come from the named policy (<see cref="PolicyName"/>), then from
/// <see cref="DistributedResponseCacheOptions"/>. When several apply to one endpoint (a controller and its action, a
/// route group and its endpoint), the most specific one wins as a whole. <c>.CacheResponse(...)</c> on an endpoint builds
/// the same policy.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class CachedAttribute : Attribute, IResponseCachePolicyMetadata
{
    private int? _duration;
    private int? _localDuration;
    private bool? _varyByUser;
    private bool? _noStore;
    private ResponseCachePolicySettings? _settings;

    /// <summary>How long, in seconds, a response stays cached on every node. Must be positive.</summary>
    /// <value>Unset: the policy's, else <see cref="DistributedResponseCacheOptions.DefaultDuration"/> (60 s).</value>
    public int Duration
    {
        get => _duration ?? 0;
        set => _duration = value;
    }

    /// <summary>How long, in seconds, a node keeps the response in its own memory before asking L2 again. At most <see cref="Duration"/>.</summary>
    /// <value>Unset: the policy's, else <see cref="DistributedResponseCacheOptions.DefaultLocalDuration"/> (= Duration).</value>
    public int LocalDuration
    {
        get => _localDuration ?? 0;
        set => _localDuration = value;
    }

    /// <summary>Tags the entry carries, so <c>HybridCache.RemoveByTagAsync</c> evicts it. May hold route-value placeholders such as <c>"product:{id}"</c>.</summary>
    /// <value>Unset: the policy's, else none.</value>
    public string[]? Tags { get; set; }

    /// <summary>The query keys that make responses differ. <c>"*"</c> means the whole query string, byte for byte; an empty array ignores the query.</summary>
    /// <value>Unset: the policy's, else <c>"*"</c>.</value>
    public string[]? VaryByQuery { get; set; }

    /// <summary>Request headers whose values make responses differ.</summary>
    /// <value>Unset: the policy's, else none.</value>
    public string[]? VaryByHeader { get; set; }

    /// <summary>Route values that make responses differ (the path already does; use this for values set by other means).</summary>
    /// <value>Unset: the policy's, else none.</value>
    public string[]? VaryByRouteValue { get; set; }

    /// <summary>
    /// Caches responses per user: authenticated requests are cached under a one-way hash of the user id. Without it,
    /// requests with an <c>Authorization</c> header or an authenticated user, and endpoints that require authorization,
    /// are never cached.
    /// </summary>
    /// <value>Unset: the policy's, else false.</value>
    public bool VaryByUser
    {
        get => _varyByUser ?? false;
        set => _varyByUser = value;
    }

    /// <summary>A policy registered with <see cref="DistributedResponseCacheOptions.AddPolicy"/> that supplies the settings not set here.</summary>
    /// <value>None.</value>
    public string? PolicyName { get; set; }

    /// <summary>Turns caching off for this endpoint, for example an action of a controller marked <c>[Cached]</c>.</summary>
    /// <value>False.</value>
    public bool NoStore
    {
        get => _noStore ?? false;
        set => _noStore = value;
    }

    ResponseCachePolicySettings IResponseCachePolicyMetadata.Settings => _settings ??= new ResponseCachePolicySettings
    {
        Duration = _duration is { } d ? TimeSpan.FromSeconds(d) : null,
        LocalDuration = _localDuration is { } l ? TimeSpan.FromSeconds(l) : null,
        Tags = Tags is null ? null : [.. Tags],
        VaryByQuery = VaryByQuery is null ? null : [.. VaryByQuery],
        VaryByHeader = VaryByHeader is null ? null : [.. VaryByHeader],
        VaryByRouteValue = VaryByRouteValue is null ? null : [.. VaryByRouteValue],
        VaryByUser = _varyByUser,
        PolicyName = PolicyName,
        NoStore = _noStore,
    };
}
