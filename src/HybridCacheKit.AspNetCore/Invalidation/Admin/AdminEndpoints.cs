using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Invalidation.Admin;

/// <summary>
/// The admin endpoints of <c>MapCacheInvalidation</c>. Single values travel in the path with DELETE, lists in a JSON
/// body with POST; neither can be sent by a cross-site HTML form (DELETE and application/json need a CORS preflight),
/// so cookie-authenticated admins are not exposed to cross-site request forgery.
/// </summary>
internal sealed class AdminEndpoints
{
    private readonly CacheInvalidationEndpointOptions _options;
    private readonly ILogger _logger;

    private AdminEndpoints(CacheInvalidationEndpointOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix, CacheInvalidationEndpointOptions options)
    {
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("HybridCacheKit.AspNetCore.CacheInvalidationEndpoints");
        var handlers = new AdminEndpoints(options, logger);

        var group = endpoints.MapGroup(prefix);
        group.WithMetadata(new CacheInvalidationEndpointMetadata(prefix));
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
            InvalidationLog.AdminEndpointsMapped(logger, prefix, "policy " + policy);
        }
        else if (options.AllowAnonymous)
        {
            InvalidationLog.AdminEndpointsAnonymous(logger, prefix);
        }
        else
        {
            InvalidationLog.AdminEndpointsMapped(logger, prefix, "from a chained RequireAuthorization or an enclosing group (checked at start-up)");
        }

        var allowAnonymous = options.AllowAnonymous;
        ((IEndpointConventionBuilder)group).Finally(builder => AdminAuthorizationCheck.Check(builder, prefix, allowAnonymous));

        group.MapMethods("/tags/{tag}", [HttpMethods.Delete], (RequestDelegate)handlers.DeleteTagAsync).WithDisplayName($"Cache invalidation: DELETE {prefix}/tags/{{tag}}");
        group.MapPost("/tags", (RequestDelegate)handlers.PostTagsAsync).WithDisplayName($"Cache invalidation: POST {prefix}/tags");
        group.MapMethods("/keys/{**key}", [HttpMethods.Delete], (RequestDelegate)handlers.DeleteKeyAsync).WithDisplayName($"Cache invalidation: DELETE {prefix}/keys/{{key}}");
        group.MapPost("/keys", (RequestDelegate)handlers.PostKeysAsync).WithDisplayName($"Cache invalidation: POST {prefix}/keys");
        if (options.AllowClearAll)
        {
            group.MapMethods("/all", [HttpMethods.Delete], (RequestDelegate)handlers.DeleteAllAsync).WithDisplayName($"Cache invalidation: DELETE {prefix}/all");
        }

        return group;
    }

    private Task DeleteTagAsync(HttpContext context)
    {
        var tag = context.Request.RouteValues["tag"] as string;
        var reason = CacheInputValidation.CheckTag(tag, _options.MaxTagLength);
        return reason is not null ? RefuseAsync(context, StatusCodes.Status400BadRequest, reason) : InvalidateTagsAsync(context, [tag!]);
    }

    private async Task PostTagsAsync(HttpContext context)
    {
        var result = await AdminRequestReader.ReadListAsync(context, "tags", _options.MaxItemsPerRequest, _options.MaxRequestBodyBytes, CacheInputValidation.CheckTag, _options.MaxTagLength).ConfigureAwait(false);
        if (result.Values is null)
        {
            await RefuseAsync(context, result.StatusCode, result.Reason!).ConfigureAwait(false);
            return;
        }

        await InvalidateTagsAsync(context, result.Values).ConfigureAwait(false);
    }

    private Task DeleteKeyAsync(HttpContext context)
    {
        var key = context.Request.RouteValues["key"] as string;
        var reason = CacheInputValidation.CheckKey(key, _options.MaxKeyLength);
        return reason is not null ? RefuseAsync(context, StatusCodes.Status400BadRequest, reason) : RemoveKeysAsync(context, [key!]);
    }

    private async Task PostKeysAsync(HttpContext context)
    {
        var result = await AdminRequestReader.ReadListAsync(context, "keys", _options.MaxItemsPerRequest, _options.MaxRequestBodyBytes, CacheInputValidation.CheckKey, _options.MaxKeyLength).ConfigureAwait(false);
        if (result.Values is null)
        {
            await RefuseAsync(context, result.StatusCode, result.Reason!).ConfigureAwait(false);
            return;
        }

        await RemoveKeysAsync(context, result.Values).ConfigureAwait(false);
    }

    private async Task DeleteAllAsync(HttpContext context)
    {
        var invalidator = context.RequestServices.GetRequiredService<CacheInvalidator>();
        await invalidator.InvalidateAllAsync(CancellationToken.None).ConfigureAwait(false);
        InvalidationLog.AdminAllInvalidated(_logger);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task InvalidateTagsAsync(HttpContext context, List<string> tags)
    {
        var invalidator = context.RequestServices.GetRequiredService<CacheInvalidator>();

        // Not the request's token: once started, an eviction is finished even if the caller hangs up.
        await invalidator.RemoveTagsAsync(tags, CancellationToken.None).ConfigureAwait(false);
        InvalidationLog.AdminTagsInvalidated(_logger, tags.Count, InvalidationLog.LogValues(tags, invalidator.IncludeKeysInLogs));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task RemoveKeysAsync(HttpContext context, List<string> keys)
    {
        var invalidator = context.RequestServices.GetRequiredService<CacheInvalidator>();
        await invalidator.RemoveKeysAsync(keys, CancellationToken.None).ConfigureAwait(false);
        InvalidationLog.AdminKeysRemoved(_logger, keys.Count, InvalidationLog.LogValues(keys, invalidator.IncludeKeysInLogs));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private Task RefuseAsync(HttpContext context, int statusCode, string reason)
    {
        InvalidationLog.AdminRequestRefused(_logger, statusCode, reason);
        return TypedResults.Problem(detail: reason + ".", statusCode: statusCode).ExecuteAsync(context);
    }
}
