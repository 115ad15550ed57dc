using HybridCacheKit.AspNetCore;
using HybridCacheKit.AspNetCore.Invalidation;
using HybridCacheKit.AspNetCore.Invalidation.Admin;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the cache admin endpoints.</summary>
public static class CacheInvalidationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps admin endpoints that evict cache entries on every node:
    /// <list type="bullet">
    /// <item><c>DELETE {prefix}/tags/{tag}</c> and <c>POST {prefix}/tags</c> with <c>{"tags": ["a", "b"]}</c>;</item>
    /// <item><c>DELETE {prefix}/keys/{key}</c> and <c>POST {prefix}/keys</c> with <c>{"keys": ["k1", "k2"]}</c>;</item>
    /// <item><c>DELETE {prefix}/all</c>, only with <see cref="CacheInvalidationEndpointOptions.AllowClearAll"/>.</item>
    /// </list>
    /// They answer 204 when done, 400 for an invalid tag or key (the tag <c>"*"</c> included), 413/415 for an oversized
    /// or non-JSON body, and 401/403 from authorization. They must be protected: set
    /// <see cref="CacheInvalidationEndpointOptions.AuthorizationPolicy"/>, chain <c>.RequireAuthorization(...)</c> or map
    /// them in a group that requires authorization; otherwise the application fails to start, unless
    /// <see cref="CacheInvalidationEndpointOptions.AllowAnonymous"/> says anonymous access is intended.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="prefix">The route prefix.</param>
    /// <param name="configure">Authorization and limits.</param>
    /// <returns>The endpoints' group builder, for further conventions (authorization, rate limiting, host filters).</returns>
    public static IEndpointConventionBuilder MapCacheInvalidation(this IEndpointRouteBuilder endpoints, string prefix = "/_cache", Action<CacheInvalidationEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (endpoints.ServiceProvider.GetService<IServiceProviderIsService>()?.IsService(typeof(CacheInvalidator)) != true)
        {
            throw new InvalidOperationException("MapCacheInvalidation needs services.AddCacheInvalidator() (or AddDistributedResponseCache()) and services.AddHybridCacheKit().");
        }

        var options = new CacheInvalidationEndpointOptions();
        configure?.Invoke(options);
        Validate(options);
        return AdminEndpoints.Map(endpoints, prefix, options);
    }

    private static void Validate(CacheInvalidationEndpointOptions options)
    {
        const string name = nameof(CacheInvalidationEndpointOptions);
        if (options.AuthorizationPolicy is not null && string.IsNullOrWhiteSpace(options.AuthorizationPolicy))
        {
            throw new InvalidOperationException($"{name}.{nameof(options.AuthorizationPolicy)} is blank; name a registered policy or leave it null.");
        }

        if (options.AuthorizationPolicy is not null && options.AllowAnonymous)
        {
            throw new InvalidOperationException($"{name}: {nameof(options.AuthorizationPolicy)} and {nameof(options.AllowAnonymous)} contradict each other; set one.");
        }

        CheckPositive(options.MaxItemsPerRequest, nameof(options.MaxItemsPerRequest));
        CheckPositive(options.MaxRequestBodyBytes, nameof(options.MaxRequestBodyBytes));
        CheckPositive(options.MaxTagLength, nameof(options.MaxTagLength));
        CheckPositive(options.MaxKeyLength, nameof(options.MaxKeyLength));

        static void CheckPositive(int value, string setting)
        {
            if (value <= 0)
            {
                throw new InvalidOperationException($"{name}.{setting} must be positive (was {value}).");
            }
        }
    }
}
