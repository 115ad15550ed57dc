using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>Serves and stores responses of endpoints with a cache policy.</summary>
internal sealed class ResponseCacheMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) => next(context);
}
