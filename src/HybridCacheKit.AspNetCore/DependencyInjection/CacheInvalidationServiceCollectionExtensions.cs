using HybridCacheKit.AspNetCore;
using HybridCacheKit.AspNetCore.Invalidation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ICacheInvalidator"/> for applications that evict from their own code.</summary>
public static class CacheInvalidationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICacheInvalidator"/> over the registered <c>HybridCache</c> (call <c>AddHybridCacheKit()</c>
    /// too), and what <c>app.MapCacheInvalidation(...)</c> needs. <c>AddDistributedResponseCache()</c> registers the same;
    /// calling both, or either twice, is harmless.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional: how <c>[InvalidatesTags]</c> endpoints react when invalidation fails.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddCacheInvalidator(this IServiceCollection services, Action<CacheInvalidationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        InvalidationRegistration.AddServices(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }
}
