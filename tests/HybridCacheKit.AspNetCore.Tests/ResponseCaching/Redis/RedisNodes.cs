using System.Text;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Redis;

/// <summary>App nodes over one real Redis: each its own service provider, engine and L1, sharing L2, backplane and lock.</summary>
internal static class RedisNodes
{
    public static string NewInstanceName() => "rc-test-" + Guid.NewGuid().ToString("N")[..12] + ":";

    /// <summary>Starts a node; with the backplane on, returns once it is connected (until then the engine distrusts L1).</summary>
    public static Task<CacheTestHost> StartAsync(
        RedisServerFixture redis,
        string instanceName,
        string node,
        TaskCompletionSource? gate = null,
        bool plainLayout = false,
        TimeProvider? time = null,
        bool backplane = true)
        => StartAsync(redis, instanceName, app => MapStandardEndpoints(app, node, gate), plainLayout, time, backplane);

    /// <summary>
    /// Starts a node whose pipeline and endpoints <paramref name="configureApp"/> builds (with the test authentication
    /// registered); on Kestrel when asked. Returns once the backplane is connected.
    /// </summary>
    public static async Task<CacheTestHost> StartAsync(
        RedisServerFixture redis,
        string instanceName,
        Action<WebApplication> configureApp,
        bool plainLayout = false,
        TimeProvider? time = null,
        bool backplane = true,
        bool kestrel = false)
    {
        var host = await CacheTestHost.StartAsync(
            configureApp,
            configureBuilder: b =>
            {
                TestAuthentication.Add(b);
                if (time is not null)
                {
                    b.Services.AddSingleton(time);
                }
            },
            configureCache: c => c.AddStackExchangeRedis(o =>
            {
                o.Configuration = redis.ConfigurationString;
                o.InstanceName = instanceName;
                o.EnableBackplane = backplane;
                if (plainLayout)
                {
                    o.ValueLayout = RedisValueLayout.PlainString;
                }
            }),
            engineOptions: plainLayout ? o => o.L2Format = HybridCacheL2Format.Plain : null,
            kestrel: kestrel);
        if (backplane)
        {
            var bus = host.App.Services.GetRequiredService<IHybridCacheBackplane>();
            await EngineMetrics.WaitUntilAsync(() => bus.IsConnected, "the node's backplane connected");
        }

        return host;
    }

    private static void MapStandardEndpoints(WebApplication app, string node, TaskCompletionSource? gate)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseDistributedResponseCache();
        app.MapGet("/item", async (CallCounter c) =>
        {
            var n = c.Next("item");
            if (gate is not null)
            {
                await gate.Task;
            }

            return $"item from {node} run {n}";
        }).CacheResponse();
        app.MapGet("/products/{id}", (string id, CallCounter c) => $"product {id} from {node} run {c.Next("product " + id)}")
            .CacheResponse(p => p.Tags("products", "product:{id}").LocalDuration(TimeSpan.FromSeconds(1)));
        app.MapGet("/me", (HttpContext ctx, CallCounter c) => $"me {ctx.User.Identity?.Name} from {node} run {c.Next("me")}")
            .CacheResponse(p => p.VaryByUser());
    }

    /// <summary>The Redis keys of response entries under an instance name.</summary>
    public static async Task<string[]> ResponseKeysAsync(RedisServerFixture redis, string instanceName)
    {
        await using var client = await redis.Server.CreateClientAsync();
        var reply = await client.ExecuteAsync("KEYS", instanceName + "rc:v1*");
        return [.. reply.Items!.Select(i => Encoding.UTF8.GetString(i.Bytes!))];
    }
}
