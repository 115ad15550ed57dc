// Measures the backplane's invalidation lag on loopback: node A changes a key that node B holds in L1; how long until
// B's L1 no longer serves the old value. Two nodes = two service providers in this process (one clock, so the
// timestamps compare exactly), each with its own Redis connection.
//
//   dotnet run -c Release --project tests/HybridCacheKit.Redis.LagProbe [-- [redis-configuration] [iterations]]
//
// Without a configuration it starts its own redis-server (TestUtilities' RedisServer). Prints a Markdown table.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using HybridCacheKit;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Redis.LagProbe;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

const int Warmup = 100;
var configuration = args.Length > 0 ? args[0] : null;
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;

await using var ownServer = configuration is null ? await RedisServer.StartAsync() : null;
configuration ??= ownServer!.ConfigurationString;
var instanceName = $"hck-lagprobe-{Guid.NewGuid():N}:";

var (a, aBackplane) = StartNode();
var (b, bBackplane) = StartNode();
using var lag = new LagListener(b.GetRequiredService<IMeterFactory>().Create(HybridCacheKitDiagnostics.MeterName));
var cacheA = a.GetRequiredService<HybridCache>();
var cacheB = b.GetRequiredService<HybridCache>();

var deadline = Stopwatch.StartNew();
while (!(aBackplane.IsConnected && bBackplane.IsConnected))
{
    if (deadline.Elapsed > TimeSpan.FromSeconds(30))
    {
        throw new TimeoutException("The backplanes did not connect within 30 s.");
    }

    await Task.Delay(10);
}

var local = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };
var l1Only = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead | HybridCacheEntryFlags.DisableDistributedCacheWrite };
var publishToEvicted = new List<double>(iterations);
var endToEnd = new List<double>(iterations);
const string Key = "lag-probe";
bBackplane.Handled = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
await cacheA.SetAsync(Key, "v0", local);
await bBackplane.Handled.Task.WaitAsync(TimeSpan.FromSeconds(10)); // so that this message cannot evict B's copy later

for (var i = 1; i <= iterations + Warmup; i++)
{
    // B holds the current value in L1 (a read after a backplane disconnect, which a stall of this machine can cause,
    // revalidates against L2 first, hence the second chance).
    var old = await cacheB.GetOrCreateAsync(Key, static _ => ValueTask.FromResult("unexpected-factory-run"), local);
    if (!(await cacheB.TryGetAsync<string>(Key, l1Only)).Found)
    {
        old = await cacheB.GetOrCreateAsync(Key, static _ => ValueTask.FromResult("unexpected-factory-run"), local);
        if (!(await cacheB.TryGetAsync<string>(Key, l1Only)).Found)
        {
            throw new InvalidOperationException("B does not hold the key in L1.");
        }
    }

    bBackplane.Handled = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
    lag.Arm();
    var changed = Stopwatch.GetTimestamp();
    await cacheA.SetAsync(Key, $"v{i}", local);

    // End to end: poll B's L1 (no L2) until the old value is gone.
    while (await cacheB.TryGetAsync<string>(Key, l1Only) is { Found: true } hit && hit.Value == old)
    {
        Thread.Yield();
    }

    var gone = Stopwatch.GetTimestamp();
    var handled = await bBackplane.Handled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    await lag.WaitAsync();
    if (i > Warmup)
    {
        publishToEvicted.Add(Stopwatch.GetElapsedTime(aBackplane.LastPublishStarted, handled).TotalMilliseconds);
        endToEnd.Add(Stopwatch.GetElapsedTime(changed, gone).TotalMilliseconds);
    }
}

var histogram = lag.Values.Skip(Warmup).Select(s => s * 1000).ToList();
Console.WriteLine($"## Backplane invalidation lag (loopback, {iterations} invalidations after {Warmup} warm-up, {Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine($"Redis: {(ownServer is null ? configuration : $"redis-server started by the probe on {configuration}")}; StackExchange.Redis 1.2.6; .NET {Environment.Version}.");
Console.WriteLine();
Console.WriteLine("| measure | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
Row("publish on A → B's L1 evicted (backplane wrapper timestamps)", publishToEvicted);
Row("engine histogram `hybridcache.backplane.lag` on B (change stamp → arrival)", histogram);
Row("end to end: A.SetAsync called → B's L1 no longer serves the old value", endToEnd);

await a.DisposeAsync();
await b.DisposeAsync();
return 0;

(ServiceProvider Provider, TimestampingBackplane Backplane) StartNode()
{
    var services = new ServiceCollection();
    services.AddMetrics();
    services.AddHybridCacheKit().AddStackExchangeRedis(o =>
    {
        o.Configuration = configuration;
        o.InstanceName = instanceName;
        o.OperationTimeout = TimeSpan.FromSeconds(2);
    });
    TimestampingBackplane.Install(services);
    var provider = services.BuildServiceProvider();
    _ = provider.GetRequiredService<HybridCache>(); // subscribes the backplane
    return (provider, provider.GetRequiredService<TimestampingBackplane>());
}

static void Row(string measure, List<double> values)
{
    values.Sort();
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {measure} | {Percentile(values, 50):F3} | {Percentile(values, 90):F3} | {Percentile(values, 99):F3} | {values[^1]:F3} |"));
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
