using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>
/// A real app for the metrics tests: one cached endpoint per way a response can be stored or refused, behind
/// authentication and an exception handler, as a production app would have them.
/// </summary>
internal static class MetricsTestApp
{
    public const int BodyLimit = 4 * 1024;

    public static Task<CacheTestHost> StartAsync(
        TaskCompletionSource? gate = null,
        Action<DistributedResponseCacheOptions>? options = null,
        Action<HybridCacheKitOptions>? engineOptions = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        bool cacheBeforeAuthentication = false) => CacheTestHost.StartAsync(
        app =>
        {
            app.UseExceptionHandler(b => b.Run(ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return Task.CompletedTask;
            }));
            if (cacheBeforeAuthentication)
            {
                app.UseDistributedResponseCache();
                app.UseAuthentication();
                app.UseAuthorization();
            }
            else
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.UseDistributedResponseCache();
            }

            app.MapMethods("/item", ["GET", "HEAD", "POST"], (HttpContext ctx, CallCounter c) => $"item {ctx.Request.Method} {c.Next("item")}").CacheResponse();
            app.MapGet("/user", (HttpContext ctx, CallCounter c) => $"user {ctx.User.Identity?.Name} {c.Next("user")}").CacheResponse();
            app.MapGet("/fat", async (HttpContext ctx, CallCounter c) =>
            {
                using var reader = new StreamReader(ctx.Request.Body);
                return $"fat {await reader.ReadToEndAsync()} {c.Next("fat")}";
            }).CacheResponse();
            app.MapGet("/cookie", (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("cookie");
                ctx.Response.Cookies.Append("session", $"secret-{n}");
                return $"cookie {n}";
            }).CacheResponse();
            app.MapGet("/late-cookie", (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("late-cookie");
                ctx.Response.OnStarting(() =>
                {
                    ctx.Response.Headers.SetCookie = $"late=secret-{n}; path=/";
                    return Task.CompletedTask;
                });
                return $"late {n}";
            }).CacheResponse();
            app.MapGet("/cache-control", (HttpContext ctx, CallCounter c, string value) =>
            {
                ctx.Response.Headers.CacheControl = value;
                return $"cc {c.Next("cc " + value)}";
            }).CacheResponse();
            app.MapGet("/vary", (HttpContext ctx, CallCounter c, string value) =>
            {
                ctx.Response.Headers.Vary = value;
                return $"vary {c.Next("vary " + value)}";
            }).CacheResponse(p => p.VaryByHeader("X-Tenant"));
            app.MapGet("/status/{code:int}", (int code, CallCounter c) => Results.Text($"status {c.Next($"status {code}")}", statusCode: code)).CacheResponse();
            app.MapGet("/big", async (HttpContext ctx, CallCounter c) =>
            {
                c.Next("big");
                await ctx.Response.Body.WriteAsync(new byte[BodyLimit * 2]);
            }).CacheResponse();
            app.MapGet("/unbuffered", async (HttpContext ctx, CallCounter c) =>
            {
                ctx.Features.Get<IHttpResponseBodyFeature>()!.DisableBuffering();
                await ctx.Response.WriteAsync($"unbuffered {c.Next("unbuffered")}");
            }).CacheResponse();
            app.MapGet("/products/{id}", (string id, CallCounter c) => $"product {id} {c.Next("product " + id)}").CacheResponse(p => p.Tags("product:{id}"));
            app.MapGet("/throws", (CallCounter c) =>
            {
                c.Next("throws");
                throw new InvalidOperationException("the database is down");
            }).CacheResponse();
            app.MapGet("/slow", async (CallCounter c) =>
            {
                var n = c.Next("slow");
                await gate!.Task;
                return $"slow {n}";
            }).CacheResponse();
            app.MapGet("/private-slow", async (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("private-slow");
                ctx.Response.Cookies.Append("session", $"secret-{n}");
                if (n == 1)
                {
                    await gate!.Task;
                }

                return $"private {n}";
            }).CacheResponse();
            app.MapGet("/fails-once", async (CallCounter c) =>
            {
                var n = c.Next("fails-once");
                if (n == 1)
                {
                    await gate!.Task;
                    throw new InvalidOperationException("the first run fails");
                }

                return $"fails-once {n}";
            }).CacheResponse();
        },
        o =>
        {
            o.MaximumBodySize = BodyLimit;
            options?.Invoke(o);
        },
        b =>
        {
            TestAuthentication.Add(b);
            configureBuilder?.Invoke(b);
        },
        engineOptions: engineOptions);

    /// <summary>Sends a request and reads the whole body, so everything the middleware counts for it has been counted.</summary>
    public static async Task<(HttpResponseMessage Response, string Body)> SendFullyAsync(this CacheTestHost host, HttpMethod method, string url, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        foreach (var (name, value) in headers)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(name, value), "bad test header " + name);
        }

        var response = await host.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response, body);
    }

    public static async Task<string> GetBodyAsync(this CacheTestHost host, string url, params (string Name, string Value)[] headers)
    {
        var (response, body) = await host.SendFullyAsync(HttpMethod.Get, url, null, headers);
        response.Dispose();
        return body;
    }
}
