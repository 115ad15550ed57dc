using HybridCacheKit.Distributed;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>
/// One application node over a shared real Redis: its own host and service provider, the engine with
/// <c>AddStackExchangeRedis</c> (L2, backplane, lock), a PUT endpoint with [InvalidatesTags] and the admin endpoints.
/// Nodes built with the same instance name share entries, tag records and backplane messages.
/// </summary>
internal static class RedisNode
{
    public static async Task<InvalidationTestApp> StartAsync(string configuration, string instanceName)
    {
        var app = await InvalidationTestApp.StartAsync(
            b => b.Services.AddHybridCacheKit().AddStackExchangeRedis(o =>
            {
                o.Configuration = configuration;
                o.InstanceName = instanceName;

                // Behaviour, not latency, is under test: a busy 2-core machine must not turn slow replies into outages.
                o.OperationTimeout = TimeSpan.FromSeconds(5);
            }),
            app =>
            {
                app.MapPut("/products/{id}", [InvalidatesTags("products", "product:{id}")] (string id, int? status) =>
                    status is null ? Results.Ok(new { id }) : Results.StatusCode(status.Value));
                app.MapCacheInvalidation("/_cache", o => o.AuthorizationPolicy = TestAuthHandler.AdminPolicy);
            });
        app.Client.DefaultRequestHeaders.Add(TestAuthHandler.UserHeader, "alice");
        app.Client.DefaultRequestHeaders.Add(TestAuthHandler.RolesHeader, TestAuthHandler.AdminRole);

        // Resolving the cache subscribes the backplane in the background; wait for it, bounded.
        _ = app.Services.GetRequiredService<HybridCache>();
        var backplane = app.Services.GetRequiredService<IHybridCacheBackplane>();
        await Poll.UntilAsync(() => backplane.IsConnected, $"The backplane of a node ({instanceName}) did not connect");
        return app;
    }
}
