using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>Tag invalidation's services, added by <c>AddDistributedResponseCache</c> and <c>AddCacheInvalidator</c>. Safe to call more than once.</summary>
internal static class InvalidationRegistration
{
    public static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CacheInvalidationOptions>();
        services.TryAddSingleton(static sp => new CacheInvalidator(
            sp.GetService<HybridCache>()
                ?? throw new InvalidOperationException("Cache invalidation needs a HybridCache: call services.AddHybridCacheKit() (and, for several nodes, .AddStackExchangeRedis(...))."),
            sp.GetService<IOptions<HybridCacheKitOptions>>()?.Value.IncludeKeysInLogs ?? false,
            sp.GetRequiredService<ILogger<CacheInvalidator>>()));
        services.TryAddSingleton<ICacheInvalidator>(static sp => sp.GetRequiredService<CacheInvalidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, InvalidationStartupFilter>());
    }
}
