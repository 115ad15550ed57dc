using System.Diagnostics.Metrics;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Observability;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// One application node: the full engine built the way an application builds it
/// (<c>AddHybridCacheKit().AddStackExchangeRedis(...)</c>) in its own service provider, with its metrics and logs
/// captured. Several nodes over one server stand for several app servers behind a load balancer.
/// </summary>
internal sealed class CacheNode : IAsyncDisposable
{
    /// <summary>The operation timeout every fault test runs with (the package default).</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromMilliseconds(250);

    private readonly ServiceProvider _services;

    private CacheNode(ServiceProvider services, CapturingLoggerProvider logs)
    {
        _services = services;
        Logs = logs;
        Cache = services.GetRequiredService<HybridCache>();
        Connection = services.GetRequiredService<RedisConnection>();
        Backplane = services.GetService<IHybridCacheBackplane>();
        Metrics = new MetricCollector(services.GetRequiredService<IMeterFactory>().Create(HybridCacheKitDiagnostics.MeterName));
    }

    public HybridCache Cache { get; }

    /// <summary>The package's connection (its circuit breaker state is what the tests watch).</summary>
    public RedisConnection Connection { get; }

    /// <summary>The backplane, or null when the node was built without one.</summary>
    public IHybridCacheBackplane? Backplane { get; }

    public MetricCollector Metrics { get; }

    public CapturingLoggerProvider Logs { get; }

    /// <summary>
    /// Builds a node on <paramref name="configuration"/> with the package defaults (250 ms operation timeout, breaker
    /// after 5 failures for 2 s, backplane and lock on) unless <paramref name="redis"/> changes them.
    /// </summary>
    public static CacheNode Create(string configuration, Action<HybridCacheKitRedisOptions>? redis = null, Action<HybridCacheKitOptions>? engine = null)
    {
        var logs = new CapturingLoggerProvider { MinimumLevel = LogLevel.Information };
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        services.AddMetrics();
        services.AddHybridCacheKit(o =>
        {
            o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(5), LocalCacheExpiration = TimeSpan.FromMinutes(5) };
            engine?.Invoke(o);
        }).AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.InstanceName = "hck-res:";
            o.OperationTimeout = OperationTimeout;
            redis?.Invoke(o);
        });
        return new CacheNode(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }), logs);
    }

    /// <summary>The factory value of a key: what a caller must get whenever neither tier holds the key.</summary>
    public static string FactoryValue(string key) => key + ":factory";

    /// <summary>Reads a key; a miss in both tiers runs the factory, which returns <see cref="FactoryValue"/>.</summary>
    public ValueTask<string> GetAsync(string key, IEnumerable<string>? tags = null, HybridCacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => Cache.GetOrCreateAsync(key, key, static (k, _) => ValueTask.FromResult(FactoryValue(k)), options, tags, cancellationToken);

    /// <summary>Whether the node's backplane reports a live subscription.</summary>
    public bool BackplaneConnected => Backplane?.IsConnected == true;

    /// <summary>The L2 operations the engine recorded so far (each one: duration in seconds and whether it failed).</summary>
    public IReadOnlyList<CollectedMeasurement> L2Operations => Metrics.Of(HybridCacheKitDiagnostics.DistributedDuration);

    /// <summary>L2 operations the engine did not attempt because the Redis package reported its breaker open.</summary>
    public int SkippedL2Operations => Metrics.Of(HybridCacheKitDiagnostics.DistributedErrors)
        .Count(m => m.Tags.Any(t => t.Key == HybridCacheKitDiagnostics.ErrorTypeTag && Equals(t.Value, HybridCacheKitDiagnostics.ErrorTypeUnavailable)));

    /// <summary>Operations StackExchange.Redis has issued on the node's interactive connection so far (commands that went to Redis).</summary>
    public long SentOperations => Connection.Multiplexer?.GetCounters().Interactive.OperationCount ?? 0;

    /// <summary>Failed or timed-out L2 operations the engine recorded so far.</summary>
    public double L2Errors => Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors);

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await _services.DisposeAsync();
    }
}
