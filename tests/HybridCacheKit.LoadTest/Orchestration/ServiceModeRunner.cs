using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Redis;
using HybridCacheKit.LoadTest.Report;
using HybridCacheKit.LoadTest.Services;
using HybridCacheKit.LoadTest.Workload;
using StackExchange.Redis;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>Runs one service-layer mode (engine, raw, twotier) in this process and writes its <see cref="ModeResult"/>.</summary>
internal static class ServiceModeRunner
{
    public static CacheService Create(string mode, string configuration, LoadTestOptions options, SimulatedDatabase database)
    {
        var w = options.Workload;
        return mode switch
        {
            "engine" => new EngineService(configuration, database, new EngineSettings(w.LocalCacheSizeLimitBytes, w.Expiration, w.LocalExpiration, options.EngineBackplane, options.EngineLock, options.EngineMetrics, options.EngineTimeout, options.EngineMessagePack)),
            "raw" => new RawRedisService(configuration, database, w.Expiration),
            "rawtx" => new RawRedisService(configuration, database, w.Expiration, transactionalWrites: true),
            "twotier" => new TwoTierService(configuration, database, w.Expiration, w.LocalExpiration),
            _ => throw new ArgumentException($"'{mode}' is not a service mode."),
        };
    }

    /// <param name="cancellationToken">Cancelled on SIGINT/SIGTERM: the workers stop, the service and any Redis this
    /// process started are disposed, and the cancellation is thrown.</param>
    public static async Task<ModeResult> RunAsync(string mode, LoadTestOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var loadStart = LoadAverage.Read();
        await using var ownRedis = options.Redis is null ? await RedisLauncher.StartAsync(options.Cluster, log).ConfigureAwait(false) : null;
        var configuration = options.Redis ?? ownRedis!.Configuration;

        var database = new SimulatedDatabase(options.Workload.DescriptionLength, options.Workload.DatabaseDelay);
        await using var service = Create(mode, configuration, options, database);
        await service.StartAsync().ConfigureAwait(false);

        using var admin = await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true").ConfigureAwait(false);
        RedisStats? redisBefore = null;
        RedisStats? redisAfter = null;
        WindowCounters? countersBefore = null;
        WindowCounters? countersAfter = null;
        var runner = new LoadRunner(service, options.Workload, database, log)
        {
            // The service's counters and the loader's count run from start-up; read at both edges of the window, their
            // difference covers the window alone, like the latencies and Redis's counters beside them.
            // Read nearest the edge (after Redis's INFO going in, before it coming out), so the round trip's time is not
            // counted.
            WindowStarting = async () =>
            {
                redisBefore = await RedisStats.TakeAsync(admin).ConfigureAwait(false);
                countersBefore = WindowCounters.Take(service, database);
            },
            WindowEnded = async () =>
            {
                countersAfter = WindowCounters.Take(service, database);
                redisAfter = await RedisStats.TakeAsync(admin).ConfigureAwait(false);
            },
        };
        var measured = await runner.RunAsync(cancellationToken).ConfigureAwait(false);

        var all = LatencySummary.Add(measured.ReadCounts, measured.WriteCounts);
        var allSummary = LatencySummary.FromCounts(all);
        var read = LatencySummary.FromCounts(measured.ReadCounts);
        var write = LatencySummary.FromCounts(measured.WriteCounts);
        return new ModeResult
        {
            Mode = mode,
            Description = service.Description,
            Runtime = RuntimeDescription.Current(),
            WindowSeconds = measured.Window.TotalSeconds,
            Reads = read.Count,
            Writes = write.Count,
            Throughput = allSummary.Count / measured.Window.TotalSeconds,
            All = allSummary,
            Read = read,
            Write = write,
            Histogram = ModeResult.Sparse(all),
            PeakRssBytes = ProcessMemory.PeakRssBytes(),
            WindowPeakRssBytes = measured.PeakSampledRssBytes,
            Errors = measured.Errors,
            WrongValues = measured.WrongValues,
            FailuresOutsideWindow = measured.FailuresOutsideWindow,
            FirstError = measured.FirstError,
            DatabaseLoads = countersAfter!.Loads - countersBefore!.Loads,
            Counters = countersAfter.Minus(countersBefore, service.Gauges()),
            RuntimeCounters = measured.Runtime,
            MaxPendingWorkItems = measured.MaxPendingWorkItems,
            MaxThreadCount = measured.MaxThreadCount,
            Redis = redisBefore is not null && redisAfter is not null ? redisAfter.Minus(redisBefore) : null,
            LoadAverageStart = loadStart,
            LoadAverageEnd = LoadAverage.Read(),
        };
    }
}
