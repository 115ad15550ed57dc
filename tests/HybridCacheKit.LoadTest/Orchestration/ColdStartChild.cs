using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Report;
using HybridCacheKit.LoadTest.Workload;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>
/// <c>--child coldstart</c>: the service's cold start. Builds the cache exactly as the engine mode registers it (no
/// waiting for the backplane), serves one <c>GetOrCreateAsync</c> of a key no sample used before (<c>--coldstart-key</c>
/// + ":first": connect, L2 read, loader, L1 + L2 store) and prints, as JSON, the time from the parent's clock reading
/// just before it spawned this process (environment variable <c>HCK_SPAWN_UNIX_NS</c>) to Main and to the first
/// operation served, and whether the loader ran (1) or the key was found cached (0).
/// </summary>
internal static class ColdStartChild
{
    public const string SpawnVariable = "HCK_SPAWN_UNIX_NS";

    public static async Task<int> RunAsync(LoadTestOptions options, long mainEnteredUnixNs)
    {
        var spawned = long.TryParse(Environment.GetEnvironmentVariable(SpawnVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : mainEnteredUnixNs;
        var w = options.Workload;
        var services = new ServiceCollection();
        services.AddHybridCacheKit(o =>
            {
                o.LocalCacheSizeLimitBytes = w.LocalCacheSizeLimitBytes;
                o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = w.Expiration, LocalCacheExpiration = w.LocalExpiration };
            })
            .AddStackExchangeRedis(o =>
            {
                o.Configuration = options.Redis ?? throw new ArgumentException("--child coldstart needs --redis.");
                o.InstanceName = Redis.ToolKeys.Namespace;
                o.EnableBackplane = options.EngineBackplane;
                o.EnableDistributedLock = options.EngineLock;
                o.OperationTimeout = TimeSpan.FromSeconds(10);
            })
            .AddJsonSerializerContext(ProductJsonContext.Default);
        await using var provider = services.BuildServiceProvider();
        var operationStart = UnixNowNs();
        var cache = provider.GetRequiredService<HybridCache>();
        var database = new SimulatedDatabase(w.DescriptionLength, TimeSpan.Zero);
        // The parent passes a fresh key per sample; run by hand, a fresh one of its own.
        var key = options.ColdStartKey ?? ColdStartKeys.ForRun().Sample(0);
        var product = await cache.GetOrCreateAsync(key + ":first", (database, 7), static (st, ct) => st.database.LoadAsync(st.Item2, ct)).ConfigureAwait(false);
        var served = UnixNowNs();
        if (product.Id != 7)
        {
            throw new InvalidOperationException("the first operation returned a wrong value.");
        }

        // The definition of the row: the first operation found nothing cached and ran the loader.
        var firstLoaderRan = database.Loads == 1;

        var kernelStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();

        // Where the first operation's time goes: the same work again in this (now warm) process. A second, independent
        // StackExchange.Redis connection (connect and one PING; its Dispose, which in 1.2.6 waits about a second for its
        // socket manager to stop, is not counted), then a second first-time key through the engine.
        var connectStart = Stopwatch.GetTimestamp();
        var connectLog = new StringWriter();
        double warmConnectMs;
        using (var second = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options.Redis, Environment.GetEnvironmentVariable("HCK_COLDSTART_LOG") is null ? null : connectLog).ConfigureAwait(false))
        {
            _ = await second.GetDatabase().PingAsync().ConfigureAwait(false);
            warmConnectMs = Stopwatch.GetElapsedTime(connectStart).TotalMilliseconds;
        }

        Console.Error.Write(connectLog.ToString());
        var warmStart = Stopwatch.GetTimestamp();
        var loadsBefore = database.Loads;
        _ = await cache.GetOrCreateAsync(key + ":second", (database, 8), static (st, ct) => st.database.LoadAsync(st.Item2, ct)).ConfigureAwait(false);
        var warmOperationMs = Stopwatch.GetElapsedTime(warmStart).TotalMilliseconds;
        var warmLoaderRan = database.Loads == loadsBefore + 1;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["toMainMs"] = (mainEnteredUnixNs - spawned) / 1e6,
            ["toFirstOperationMs"] = (served - spawned) / 1e6,
            ["firstOperationMs"] = (served - operationStart) / 1e6,
            ["fromKernelStartMs"] = (served / 100 - (kernelStart - DateTime.UnixEpoch).Ticks) / 1e4,
            ["warmConnectMs"] = warmConnectMs,
            ["warmFirstKeyMs"] = warmOperationMs,
            ["firstLoaderRan"] = firstLoaderRan ? 1 : 0,
            ["warmLoaderRan"] = warmLoaderRan ? 1 : 0,
        }, LoadTestJson.Default.DictionaryStringDouble));
        return 0;
    }

    public static long UnixNowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
}
