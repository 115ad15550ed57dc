using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>The response cache's services, added by <c>AddDistributedResponseCache</c>.</summary>
internal static class ResponseCacheRegistration
{
    public static void AddServices(IServiceCollection services)
    {
        services.TryAddSingleton<Marker>();
    }

    /// <summary>Proves <c>AddDistributedResponseCache</c> ran, so <c>UseDistributedResponseCache</c> can fail clearly when it did not.</summary>
    internal sealed class Marker;
}
