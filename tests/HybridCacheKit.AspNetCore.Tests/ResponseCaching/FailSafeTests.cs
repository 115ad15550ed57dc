using System.Net;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>With the engine's fail-safe on, an endpoint that fails after its entry expired is answered with the stale response.</summary>
public sealed class FailSafeTests
{
    [Fact]
    public async Task Get_EndpointFailsAfterExpiryWithFailSafe_ServesTheStaleResponseCleanly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var failing = false;
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseExceptionHandler(b => b.Run(ctx =>
                {
                    ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    return Task.CompletedTask;
                }));
                app.UseDistributedResponseCache();
                app.MapGet("/flaky", (HttpContext ctx, CallCounter c) =>
                {
                    var n = c.Next("flaky");
                    if (failing)
                    {
                        ctx.Response.StatusCode = StatusCodes.Status418ImATeapot;
                        ctx.Response.Headers["X-Half-Done"] = "yes";
                        throw new InvalidOperationException("the database is down");
                    }

                    return $"flaky {n}";
                }).CacheResponse(p => p.Duration(TimeSpan.FromSeconds(10)));
            },
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(time),
            engineOptions: o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
            });
        await host.GetStringAsync("/flaky");

        failing = true;
        time.Advance(TimeSpan.FromSeconds(30));
        using var stale = await host.SendAsync(HttpMethod.Get, "/flaky");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("flaky 1", await stale.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(30), stale.Headers.Age);
        Assert.False(stale.Headers.Contains("X-Half-Done"));
        Assert.Equal(2, host.Calls["flaky"]);
    }

    [Fact]
    public async Task Get_EndpointFailsWithoutFailSafe_TheErrorReachesTheExceptionHandler()
    {
        var failing = false;
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseExceptionHandler(b => b.Run(ctx =>
                {
                    ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    return ctx.Response.WriteAsync("handled");
                }));
                app.UseDistributedResponseCache();
                app.MapGet("/flaky", (CallCounter c) => failing ? throw new InvalidOperationException("down") : $"flaky {c.Next("flaky")}")
                    .CacheResponse(p => p.Duration(TimeSpan.FromSeconds(10)));
            });

        failing = true;
        using var response = await host.SendAsync(HttpMethod.Get, "/flaky");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("handled", await response.Content.ReadAsStringAsync());
    }
}
