namespace HybridCacheKit.AspNetCore.Invalidation.Admin;

/// <summary>Marks the endpoints mapped by <c>MapCacheInvalidation</c>, so start-up validation can find them.</summary>
internal sealed class CacheInvalidationEndpointMetadata(string prefix)
{
    public string Prefix { get; } = prefix;
}
