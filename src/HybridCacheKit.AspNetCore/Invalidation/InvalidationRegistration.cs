using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>Tag invalidation's services, added by <c>AddDistributedResponseCache</c>.</summary>
internal static class InvalidationRegistration
{
    public static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
    }
}
