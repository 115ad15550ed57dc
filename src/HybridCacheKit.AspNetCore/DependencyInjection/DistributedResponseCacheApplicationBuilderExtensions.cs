using HybridCacheKit.AspNetCore.Invalidation;
using HybridCacheKit.AspNetCore.ResponseCaching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the distributed response cache and tag invalidation to the request pipeline.</summary>
public static class DistributedResponseCacheApplicationBuilderExtensions
{
    /// <summary>
    /// Serves <c>[Cached]</c> endpoints from the cache and runs <c>[InvalidatesTags]</c> after successful writes. Call it
    /// after <c>UseRouting()</c>, <c>UseAuthentication()</c> and <c>UseAuthorization()</c>, so the endpoint and the user are
    /// known when the cache decides.
    /// </summary>
    /// <param name="app">The application builder.</param>
    public static IApplicationBuilder UseDistributedResponseCache(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<ResponseCacheRegistration.Marker>() is null)
        {
            throw new InvalidOperationException(
                "UseDistributedResponseCache() needs services.AddDistributedResponseCache() (and AddHybridCacheKit()) in ConfigureServices.");
        }

        if (app.ApplicationServices.GetService<HybridCache>() is null)
        {
            throw new InvalidOperationException(
                "UseDistributedResponseCache() needs a HybridCache: call services.AddHybridCacheKit() (optionally with .AddStackExchangeRedis(...)).");
        }

        app.UseMiddleware<TagInvalidationMiddleware>();
        app.UseMiddleware<ResponseCacheMiddleware>();
        return app;
    }
}
