using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Report;
using HybridCacheKit.LoadTest.Workload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.LoadTest.Http;

/// <summary>
/// The HTTP mode's server (<c>--child http-server</c>): one Kestrel app on loopback with a hello-world pair of
/// endpoints and the cache workload's pair, so both are measured in the same process and run.
/// <list type="bullet">
/// <item><c>GET /hello/{id}</c>: "Hello World!" (the baseline).</item>
/// <item><c>POST /hello/{id}</c>: deserializes the posted product and checks its id, as the cache's POST does, then
/// "Hello World!": the baseline does the same HTTP and JSON work, so the difference is the cache's.</item>
/// <item><c>GET /items/{id}</c>: <c>GetOrCreateAsync</c> with the simulated database as the loader; the ~1 KB product as JSON.</item>
/// <item><c>POST /items/{id}</c>: <c>SetAsync</c> of the posted product (~1 KB of JSON, deserialized); 204, or 400
/// when its id is not the route's.</item>
/// <item><c>GET /stats</c>: the process's peak RSS and GC counts, for the report.</item>
/// </list>
/// The cache is registered exactly as in the engine mode (L1 capped, Redis L2, backplane and lock as configured).
/// </summary>
internal static class HttpApp
{
    public static WebApplication Build(LoadTestOptions options, string configuration, int port)
    {
        var w = options.Workload;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenLocalhost(port);
            k.AddServerHeader = false;
        });
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProductJsonContext.Default));
        builder.Services.AddSingleton(new SimulatedDatabase(w.DescriptionLength, w.DatabaseDelay));
        builder.Services.AddHybridCacheKit(o =>
            {
                o.LocalCacheSizeLimitBytes = w.LocalCacheSizeLimitBytes;
                o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = w.Expiration, LocalCacheExpiration = w.LocalExpiration };
                if (options.EngineTimeout is { } timeout)
                {
                    o.DistributedCacheTimeout = timeout;
                }
            })
            .AddStackExchangeRedis(o =>
            {
                o.Configuration = configuration;
                o.InstanceName = Redis.ToolKeys.Namespace;
                o.EnableBackplane = options.EngineBackplane;
                o.EnableDistributedLock = options.EngineLock;
                if (options.EngineTimeout is { } timeout)
                {
                    o.OperationTimeout = timeout;
                }
            })
            .AddJsonSerializerContext(ProductJsonContext.Default);

        var app = builder.Build();

        // The engine's counters (lock waits, L2 errors, …) for the report, as the engine mode shows them.
        var counters = new EngineCounters();
        app.Lifetime.ApplicationStopped.Register(counters.Dispose);
        var helloPosted = 0L;
        var posted = 0L;
        app.MapGet("/hello/{id:int}", (int id) => "Hello World!");
        app.MapPost("/hello/{id:int}", (int id, Product product) =>
        {
            if (product.Id != id)
            {
                return Results.BadRequest();
            }

            Interlocked.Increment(ref helloPosted);
            return Results.Text("Hello World!");
        });
        app.MapGet("/items/{id:int}", (int id, HybridCache cache, SimulatedDatabase db, CancellationToken ct) =>
            cache.GetOrCreateAsync(SimulatedDatabase.KeyOf(id), (db, id), static (s, token) => s.db.LoadAsync(s.id, token), cancellationToken: ct));
        app.MapPost("/items/{id:int}", async (int id, Product product, HybridCache cache, CancellationToken ct) =>
        {
            if (product.Id != id)
            {
                return Results.BadRequest();
            }

            await cache.SetAsync(SimulatedDatabase.KeyOf(id), product, cancellationToken: ct);
            Interlocked.Increment(ref posted);
            return Results.NoContent();
        });
        app.MapGet("/stats", () => Results.Text(JsonSerializer.Serialize(new Dictionary<string, long>(counters.NonZero())
        {
            ["peakRssBytes"] = ProcessMemory.PeakRssBytes() ?? 0,
            ["gen0"] = GC.CollectionCount(0),
            ["gen1"] = GC.CollectionCount(1),
            ["gen2"] = GC.CollectionCount(2),
            ["gcPauseMs"] = (long)GC.GetTotalPauseDuration().TotalMilliseconds,
            ["allocatedMB"] = GC.GetTotalAllocatedBytes() / (1024 * 1024),
            ["postedItems"] = Interlocked.Read(ref posted),
            ["postedHello"] = Interlocked.Read(ref helloPosted),
        }, LoadTestJson.Default.DictionaryStringInt64), "application/json"));
        return app;
    }
}
