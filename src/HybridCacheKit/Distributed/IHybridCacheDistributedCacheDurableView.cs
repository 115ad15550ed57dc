using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Distributed;

/// <summary>
/// Optionally implemented by an <see cref="IDistributedCache"/> whose calls are tuned for cache data: a short timeout and
/// a circuit breaker that refuses calls for a while after repeated failures, because for a cache giving up fast and
/// recomputing is right. A feature that keeps data that is not a cache in the same store (ASP.NET Core session, where
/// a write that gives up loses what the user did) asks for a view without those trade-offs.
/// </summary>
/// <remarks>
/// <para>A cache that does not implement this interface is used as it is.</para>
/// <para>The view reads and writes the same entries as the cache (same connection, keys and stored format); only how
/// each call waits differs. Its calls are still bounded and still end when their cancellation token is cancelled.</para>
/// </remarks>
public interface IHybridCacheDistributedCacheDurableView
{
    /// <summary>
    /// Creates a view of this cache for data that must not be dropped lightly: each call waits up to
    /// <paramref name="operationTimeout"/> for the server, and is never refused by a circuit breaker. Create it once and
    /// keep it.
    /// </summary>
    /// <param name="operationTimeout">How long one call may wait for the server before it fails; positive.</param>
    /// <returns>An <see cref="IDistributedCache"/> over the same store.</returns>
    IDistributedCache CreateDurableView(TimeSpan operationTimeout);
}
