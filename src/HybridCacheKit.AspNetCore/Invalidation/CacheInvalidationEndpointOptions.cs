namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Settings of the admin endpoints mapped by <c>app.MapCacheInvalidation(prefix, o =&gt; ...)</c>. Either
/// <see cref="AuthorizationPolicy"/> is set, or authorization comes from a chained <c>.RequireAuthorization(...)</c>
/// or an enclosing route group, or <see cref="AllowAnonymous"/> is set explicitly; otherwise the application fails to
/// start.
/// </summary>
public sealed class CacheInvalidationEndpointOptions
{
    /// <summary>The authorization policy every admin endpoint requires. It must be registered with <c>AddAuthorization</c>; this is checked at start-up.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Map the endpoints without an authorization requirement of their own. Anyone who can reach them can evict
    /// entries, which at worst sends every request to the database. Use only behind another protection (a private
    /// network, a host filter) and never together with <see cref="AuthorizationPolicy"/>.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowAnonymous { get; set; }

    /// <summary>Map <c>DELETE {prefix}/all</c>, which invalidates every entry on every node. Without it the route does not exist (404).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowClearAll { get; set; }

    /// <summary>The most tags or keys one request may name.</summary>
    /// <value>Defaults to 100.</value>
    public int MaxItemsPerRequest { get; set; } = 100;

    /// <summary>The largest JSON body accepted, in bytes; a larger one is refused with 413 before it is read.</summary>
    /// <value>Defaults to 64 KiB.</value>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The longest tag accepted.</summary>
    /// <value>Defaults to 256, the longest tag a route-value template may produce.</value>
    public int MaxTagLength { get; set; } = 256;

    /// <summary>The longest key accepted.</summary>
    /// <value>Defaults to 1024, the engine's default <c>MaximumKeyLength</c>.</value>
    public int MaxKeyLength { get; set; } = 1024;
}
