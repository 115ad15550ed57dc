using HybridCacheKit;
using HybridCacheKit.Internal;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers HybridCacheKit as the application's <see cref="HybridCache"/>.</summary>
public static class HybridCacheKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers HybridCacheKit's engine as the <see cref="HybridCache"/> singleton. Its L2 is whatever
    /// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> the container holds (none means L1 only).
    /// Safe to call more than once: later calls add their configuration to the same cache.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional settings.</param>
    /// <returns>A builder for adding serializers and the other packages of the family.</returns>
    public static IHybridCacheKitBuilder AddHybridCacheKit(this IServiceCollection services, Action<HybridCacheKitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<HybridCacheKitOptions>().ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HybridCacheKitOptions>, HybridCacheKitOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DefaultHybridCache>();

        // Replace any other HybridCache registration: this package is the provider applications resolve.
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(HybridCache));
        if (existing is null || existing.ImplementationFactory != s_resolveEngine)
        {
            services.RemoveAll<HybridCache>();
            services.AddSingleton(typeof(HybridCache), s_resolveEngine);
        }

        return new HybridCacheKitBuilder(services);
    }

    private static readonly Func<IServiceProvider, object> s_resolveEngine = static sp => sp.GetRequiredService<DefaultHybridCache>();

    private sealed class HybridCacheKitBuilder(IServiceCollection services) : IHybridCacheKitBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
