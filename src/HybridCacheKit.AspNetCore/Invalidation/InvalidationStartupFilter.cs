using HybridCacheKit.AspNetCore.Invalidation.Admin;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>
/// Checks, while the host starts and before it serves a request, every endpoint's <c>[InvalidatesTags]</c> templates
/// and the authorization of the cache admin endpoints. Endpoints are otherwise built on the first request, so without
/// this a malformed template or an unprotected admin endpoint would surface only then.
/// </summary>
internal sealed class InvalidationStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // After next(app), the application's endpoints are wired into the global EndpointDataSource (UseEndpoints).
        next(app);
        Validate(app.ApplicationServices);
    };

    internal static void Validate(IServiceProvider services)
    {
        var dataSource = services.GetService<EndpointDataSource>();
        if (dataSource is null)
        {
            return;
        }

        // Enumerating builds every endpoint, which runs the admin endpoints' authorization check (a Finally convention).
        var policies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in dataSource.Endpoints)
        {
            foreach (var attribute in endpoint.Metadata.GetOrderedMetadata<InvalidatesTagsAttribute>())
            {
                try
                {
                    _ = attribute.Templates;
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidOperationException($"[InvalidatesTags] on endpoint '{endpoint.DisplayName}': {ex.Message}", ex);
                }
            }

            if (endpoint.Metadata.GetMetadata<CacheInvalidationEndpointMetadata>() is not null)
            {
                foreach (var data in endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>())
                {
                    if (!string.IsNullOrEmpty(data.Policy))
                    {
                        policies.Add(data.Policy);
                    }
                }
            }
        }

        if (policies.Count == 0)
        {
            return;
        }

        var provider = services.GetService<IAuthorizationPolicyProvider>()
            ?? throw new InvalidOperationException("The cache invalidation endpoints require authorization, but authorization is not registered: call services.AddAuthorization(...) and app.UseAuthorization().");
        foreach (var name in policies)
        {
            // The default provider answers synchronously; a provider that must go elsewhere is trusted to know the name.
            var lookup = provider.GetPolicyAsync(name);
            if (lookup.IsCompletedSuccessfully && lookup.Result is null)
            {
                throw new InvalidOperationException($"The cache invalidation endpoints require the authorization policy '{name}', which is not registered: add it with services.AddAuthorization(o => o.AddPolicy(\"{name}\", ...)).");
            }
        }
    }
}
