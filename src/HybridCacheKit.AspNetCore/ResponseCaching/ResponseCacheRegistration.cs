using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>The response cache's services, added by <c>AddDistributedResponseCache</c>. Safe to call more than once.</summary>
internal static class ResponseCacheRegistration
{
    public static void AddServices(IServiceCollection services)
    {
        services.TryAddSingleton<Marker>();
        services.AddOptions<DistributedResponseCacheOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DistributedResponseCacheOptions>, DistributedResponseCacheOptionsValidator>());
        services.TryAddSingleton<ResponseCachePolicyResolver>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new ResponseCacheInstruments(sp.GetService<IMeterFactory>()));

        // Stored responses use their own compact binary form, whatever serializers the application configured.
        services.TryAddSingleton<IHybridCacheSerializer<CachedResponse>>(CachedResponseSerializer.Instance);
    }

    /// <summary>Proves <c>AddDistributedResponseCache</c> ran, so <c>UseDistributedResponseCache</c> can fail clearly when it did not.</summary>
    internal sealed class Marker;
}
