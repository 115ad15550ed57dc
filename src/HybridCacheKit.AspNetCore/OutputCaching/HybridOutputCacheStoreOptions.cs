namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Settings of the output-cache store that keeps ASP.NET Core output caching's entries in HybridCacheKit (registered
/// with <c>AddHybridCacheKitOutputCacheStore()</c>). The expiration of each entry is the framework's (the policy's
/// <c>Expire</c>, 60 seconds by default); the size limit is the engine's <see cref="HybridCacheKitOptions.MaximumPayloadBytes"/>.
/// </summary>
public sealed class HybridOutputCacheStoreOptions
{
    /// <summary>
    /// Put in front of every output-cache key and tag inside the engine, so they cannot meet the application's own
    /// cache keys and tags: evicting the output-cache tag <c>products</c> does not remove the application's entries
    /// tagged <c>products</c>, and the reverse. Printable ASCII only.
    /// </summary>
    /// <value>Defaults to <c>outputcache:</c>.</value>
    public string KeyPrefix { get; set; } = "outputcache:";

    /// <summary>
    /// The longest an entry is served from a node's memory (L1) before that node reads it again from L2. With the
    /// Redis backplane, L1 copies are evicted on every node as soon as an entry is replaced or its tag is evicted, so
    /// the entry's own duration is right. Without a backplane, another node's tag eviction reaches this node's L1 copy
    /// only when it expires, so set a short value here.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the entry's own duration (the framework's <c>validFor</c>).</value>
    public TimeSpan? LocalCacheExpiration { get; set; }
}
