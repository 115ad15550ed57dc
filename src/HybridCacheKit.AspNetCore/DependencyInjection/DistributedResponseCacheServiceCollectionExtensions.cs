using HybridCacheKit.AspNetCore;
using HybridCacheKit.AspNetCore.Invalidation;
using HybridCacheKit.AspNetCore.ResponseCaching;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the distributed response cache (<c>[Cached]</c>) and tag invalidation (<c>[InvalidatesTags]</c>).</summary>
public static class DistributedResponseCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers the response cache and tag invalidation over the registered <c>HybridCache</c> (call
    /// <c>AddHybridCacheKit()</c> too). Pair with <c>app.UseDistributedResponseCache()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional: named policies and defaults.</param>
    public static IServiceCollection AddDistributedResponseCache(this IServiceCollection services, Action<DistributedResponseCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DistributedResponseCacheOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        ResponseCacheRegistration.AddServices(services);
        InvalidationRegistration.AddServices(services);
        return services;
    }
}
