// Measures the backplane's invalidation lag on loopback: node A changes a key that node B holds in L1; how long until
// B's L1 no longer serves the old value, with A's message inside its write script (the default) and as a separate
// PUBLISH after the write. Two nodes = two service providers in this process (one clock, so the
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
using HybridCacheKit.Distributed;
using HybridCacheKit.Redis.LagProbe;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

const int Warmup = 100;
var configuration = args.Length > 0 ? args[0] : null;
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;

await using var ownServer = configuration is null ? await RedisServer.StartAsync() : null;
configuration ??= ownServer!.ConfigurationString;
var local = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };
var l1Only = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead | HybridCacheEntryFlags.DisableDistributedCacheWrite };

// Two ways node A can announce: its write script publishes the message itself (the default), or it writes and then
// publishes through the backplane (what happens without scripts; here forced by wrapping A's backplane, which also
// timestamps the start of that PUBLISH). B is wrapped in both, to timestamp the eviction.
var inWrite = await MeasureAsync(wrapA: false);
var separate = await MeasureAsync(wrapA: true);

Console.WriteLine($"## Backplane invalidation lag (loopback, {iterations} invalidations after {Warmup} warm-up, {Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine($"Redis: {(ownServer is null ? configuration : $"redis-server started by the probe on {configuration}")}; StackExchange.Redis 1.2.6; .NET {Environment.Version}.");
Console.WriteLine();
Console.WriteLine("| measure | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
Row("message in A's write script: A.SetAsync called → B's L1 no longer serves the old value", inWrite.EndToEnd);
Row("message in A's write script: engine histogram `hybridcache.backplane.lag` on B", inWrite.Histogram);
Row("separate PUBLISH after the write: publish on A → B's L1 evicted", separate.PublishToEvicted);
Row("separate PUBLISH after the write: A.SetAsync called → B's L1 no longer serves the old value", separate.EndToEnd);
return 0;

async Task<(List<double> EndToEnd, List<double> Histogram, List<double> PublishToEvicted)> MeasureAsync(bool wrapA)
{
    var instanceName = $"hck-lagprobe-{Guid.NewGuid():N}:";
    var (a, aBackplane) = StartNode(instanceName, wrapA);
    var (b, bBackplane) = StartNode(instanceName, wrap: true);
    await using var disposeA = a;
    await using var disposeB = b;
    using var lag = new LagListener(b.GetRequiredService<IMeterFactory>().Create(HybridCacheKitDiagnostics.MeterName));
    var cacheA = a.GetRequiredService<HybridCache>();
    var cacheB = b.GetRequiredService<HybridCache>();

    var deadline = Stopwatch.StartNew();
    while (!(aBackplane.IsConnected && bBackplane!.IsConnected))
    {
        if (deadline.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException("The backplanes did not connect within 30 s.");
        }

        await Task.Delay(10);
    }

    var publishToEvicted = new List<double>(iterations);
    var endToEnd = new List<double>(iterations);
    const string Key = "lag-probe";
    var receiver = (TimestampingBackplane)bBackplane!;
    receiver.Handled = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
    await cacheA.SetAsync(Key, "v0", local);
    await receiver.Handled.Task.WaitAsync(TimeSpan.FromSeconds(10)); // so that this message cannot evict B's copy later

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

        receiver.Handled = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lag.Arm();
        var changed = Stopwatch.GetTimestamp();
        await cacheA.SetAsync(Key, $"v{i}", local);

        // End to end: poll B's L1 (no L2) until the old value is gone.
        while (await cacheB.TryGetAsync<string>(Key, l1Only) is { Found: true } hit && hit.Value == old)
        {
            Thread.Yield();
        }

        var gone = Stopwatch.GetTimestamp();
        var handled = await receiver.Handled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await lag.WaitAsync();
        if (i > Warmup)
        {
            if (aBackplane is TimestampingBackplane sender)
            {
                publishToEvicted.Add(Stopwatch.GetElapsedTime(sender.LastPublishStarted, handled).TotalMilliseconds);
            }

            endToEnd.Add(Stopwatch.GetElapsedTime(changed, gone).TotalMilliseconds);
        }
    }

    return (endToEnd, lag.Values.Skip(Warmup).Select(s => s * 1000).ToList(), publishToEvicted);
}

(ServiceProvider Provider, IHybridCacheBackplane Backplane) StartNode(string instanceName, bool wrap)
{
    var services = new ServiceCollection();
    services.AddMetrics();
    services.AddHybridCacheKit().AddStackExchangeRedis(o =>
    {
        o.Configuration = configuration;
        o.InstanceName = instanceName;
        o.OperationTimeout = TimeSpan.FromSeconds(2);
    });
    if (wrap)
    {
        TimestampingBackplane.Install(services);
    }

    var provider = services.BuildServiceProvider();
    _ = provider.GetRequiredService<HybridCache>(); // subscribes the backplane
    return (provider, provider.GetRequiredService<IHybridCacheBackplane>());
}

static void Row(string measure, List<double> values)
{
    if (values.Count == 0)
    {
        throw new InvalidOperationException($"No samples for '{measure}'.");
    }

    values.Sort();
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {measure} | {Percentile(values, 50):F3} | {Percentile(values, 90):F3} | {Percentile(values, 99):F3} | {values[^1]:F3} |"));
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
