using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace HybridCacheKit.AspNetCore.Invalidation.Admin;

/// <summary>
/// The rule "admin endpoints need authorization", run as a <c>Finally</c> convention: it sees the endpoint's final
/// metadata, so a chained <c>.RequireAuthorization(...)</c> or an enclosing group's counts too. The start-up filter
/// builds every endpoint, so a violation stops the host before it serves anything.
/// </summary>
internal static class AdminAuthorizationCheck
{
    public static void Check(EndpointBuilder builder, string prefix, bool allowAnonymous)
    {
        if (allowAnonymous)
        {
            return;
        }

        var requiresAuthorization = false;
        foreach (var item in builder.Metadata)
        {
            if (item is IAllowAnonymous)
            {
                throw new InvalidOperationException(
                    $"The cache invalidation endpoints at '{prefix}' carry [AllowAnonymous] metadata (from an enclosing route group?), which switches " +
                    "their authorization off. If anonymous access is really intended, say so: MapCacheInvalidation(prefix, o => o.AllowAnonymous = true).");
            }

            requiresAuthorization |= item is IAuthorizeData or AuthorizationPolicy;
        }

        if (!requiresAuthorization)
        {
            throw new InvalidOperationException(
                $"The cache invalidation endpoints at '{prefix}' have no authorization requirement, so anyone could evict cache entries. " +
                $"Give them a policy: app.MapCacheInvalidation(\"{prefix}\", o => o.AuthorizationPolicy = \"cache-admin\"), or chain " +
                ".RequireAuthorization(\"cache-admin\"), or map them inside a route group that requires authorization. Only if another layer " +
                "protects them, opt into anonymous access with o.AllowAnonymous = true.");
        }
    }
}
