using HybridCacheKit;
using HybridCacheKit.AspNetCore;
using HybridCacheKit.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps ASP.NET Core output caching's entries in HybridCacheKit (L1 + L2 + tags + backplane).</summary>
public static class HybridCacheKitOutputCacheStoreExtensions
{
    /// <summary>
    /// Replaces output caching's in-memory <see cref="IOutputCacheStore"/> with one backed by the HybridCacheKit engine:
    /// a hit is served from this node's memory when it can be, otherwise from L2 (Redis), which every node shares;
    /// <c>EvictByTagAsync</c> evicts on every node. Call it after <c>AddOutputCache()</c>
    /// (<c>services.AddOutputCache(...).AddHybridCacheKitOutputCacheStore()</c>), with <c>AddHybridCacheKit()</c>
    /// registered too. Safe to call more than once and before or after <c>AddOutputCache()</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional settings: key prefix, L1 lifetime.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddHybridCacheKitOutputCacheStore(this IServiceCollection services, Action<HybridOutputCacheStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<HybridOutputCacheStoreOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HybridOutputCacheStoreOptions>, HybridOutputCacheStoreOptionsValidator>());
        services.TryAddSingleton<IHybridCacheSerializer<OutputCachePayload>>(OutputCachePayloadSerializer.Instance);
        services.TryAddSingleton<HybridOutputCacheStore>();

        // AddOutputCache registers its in-memory store with TryAdd, so replacing it here works in either order.
        services.RemoveAll<IOutputCacheStore>();
        services.AddSingleton<IOutputCacheStore>(static sp => sp.GetRequiredService<HybridOutputCacheStore>());
        return services;
    }

    /// <summary>
    /// The same as <see cref="AddHybridCacheKitOutputCacheStore(IServiceCollection, Action{HybridOutputCacheStoreOptions}?)"/>,
    /// on the builder returned by <c>AddHybridCacheKit()</c>. Output caching itself still needs <c>AddOutputCache()</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHybridCacheKit</c>.</param>
    /// <param name="configure">Optional settings: key prefix, L1 lifetime.</param>
    /// <returns>The builder.</returns>
    public static IHybridCacheKitBuilder AddOutputCacheStore(this IHybridCacheKitBuilder builder, Action<HybridOutputCacheStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHybridCacheKitOutputCacheStore(configure);
        return builder;
    }
}
