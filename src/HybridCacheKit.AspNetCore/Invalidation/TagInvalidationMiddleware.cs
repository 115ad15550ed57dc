using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>Invalidates the tags of <c>[InvalidatesTags]</c> endpoints after a successful response.</summary>
internal sealed class TagInvalidationMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) => next(context);
}
