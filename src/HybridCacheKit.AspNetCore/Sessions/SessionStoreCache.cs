using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// The distributed cache sessions are stored through. A session is not a cache entry: a save that gives up loses the
/// user's data, and SessionMiddleware only logs the failure after the response has gone. A cache that offers a durable
/// view (<see cref="IHybridCacheDistributedCacheDurableView"/>: HybridCacheKit's Redis cache, whose own calls give up
/// after a quarter of a second and are refused while its circuit breaker is open) is used through that view, with
/// <see cref="SessionSharingOptions.StoreTimeout"/>; any other cache as it is.
/// </summary>
internal static class SessionStoreCache
{
    public static IDistributedCache Resolve(IServiceProvider services, SessionSharingOptions options)
    {
        var cache = services.GetService<IDistributedCache>() ?? throw new InvalidOperationException(SessionSharingMessages.NoDistributedCache);
        return cache is IHybridCacheDistributedCacheDurableView durable ? durable.CreateDurableView(options.StoreTimeout) : cache;
    }
}
