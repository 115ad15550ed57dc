namespace HybridCacheKit.Distributed;

/// <summary>
/// Optionally implemented by an <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> whose support
/// for <see cref="Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions.SlidingExpiration"/> depends on
/// how it is configured, so that a feature that relies on it (ASP.NET Core session renews every session with a sliding
/// expiration) can refuse to start instead of failing on every write.
/// </summary>
/// <remarks>
/// A cache that does not implement this interface is assumed to support sliding expiration. The value must not change
/// after the cache is created.
/// </remarks>
public interface IHybridCacheDistributedCacheSlidingExpiration
{
    /// <summary>Whether writes with a sliding expiration are accepted (<see langword="false"/>: they throw).</summary>
    bool SupportsSlidingExpiration { get; }
}
