using System.Diagnostics.Metrics;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Observability;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Tests.MultiNode;

/// <summary>
/// One application "node": its own <see cref="ServiceCollection"/> and provider with the engine and the Redis package
/// (<c>AddHybridCacheKit(...).AddStackExchangeRedis(...)</c>), its own logs and the measurements of its own meter.
/// Nodes of one <see cref="CacheNodes"/> group share an instance name, so they see each other's L2 entries and messages.
/// </summary>
internal sealed class CacheNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CacheNode(string name, ServiceProvider services, LogCollector logs)
    {
        Name = name;
        _services = services;
        Logs = logs;

        // The engine's meter comes from this provider's IMeterFactory, which hands out one instance per name.
        Metrics = new MetricCollector(services.GetRequiredService<IMeterFactory>().Create(HybridCacheKitDiagnostics.MeterName));
        Cache = services.GetRequiredService<HybridCache>();
    }

    public string Name { get; }

    public HybridCache Cache { get; }

    public LogCollector Logs { get; }

    public MetricCollector Metrics { get; }

    public HybridCacheKitRedisOptions RedisOptions => Connection.Options;

    public RedisConnection Connection => _services.GetRequiredService<RedisConnection>();

    /// <summary>The backplane the engine uses (null when disabled).</summary>
    public IHybridCacheBackplane? Backplane => _services.GetService<IHybridCacheBackplane>();

    public RedisBackplane RedisBackplane => _services.GetRequiredService<RedisBackplane>();

    public RedisDistributedLock Lock => _services.GetRequiredService<RedisDistributedLock>();

    /// <summary>Backplane messages this node's engine received from other nodes.</summary>
    public double MessagesReceived => Metrics.Sum(HybridCacheKitDiagnostics.BackplaneMessages);

    /// <summary>Builds and starts a node; resolving the cache subscribes its backplane (in the background).</summary>
    public static CacheNode Start(
        string name,
        string configuration,
        string instanceName,
        Action<HybridCacheKitRedisOptions>? configureRedis = null,
        Action<HybridCacheKitOptions>? configureCache = null,
        TimeProvider? time = null)
    {
        var logs = new LogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddMetrics();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        // Tests check behaviour, not latency: generous timeouts keep a busy 2-core CI machine from turning slow replies
        // into outages (tests about outages set their own). Both layers: the engine gives up on an L2 call after its
        // DistributedCacheTimeout (500 ms by default) whatever the package's OperationTimeout, and a read it gave up on
        // serves the L1 copy (availability wins), which a test of revalidation would take for a stale read (one CI run
        // did: BackplaneReconnectTests served "old" after the reconnect). The engine's deadline stays above the package's.
        services.AddHybridCacheKit(o =>
        {
            o.DistributedCacheTimeout = TimeSpan.FromSeconds(10);
            configureCache?.Invoke(o);
        }).AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.InstanceName = instanceName;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
            configureRedis?.Invoke(o);
        });
        return new CacheNode(name, services.BuildServiceProvider(), logs);
    }

    /// <summary>Waits (bounded) until the node's backplane has confirmed its subscription.</summary>
    public Task WaitForBackplaneAsync(TimeSpan? timeout = null)
        => Eventually.TrueAsync(() => Backplane?.IsConnected == true, timeout ?? TimeSpan.FromSeconds(10), $"{Name}: the backplane did not connect");

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await _services.DisposeAsync();
    }

    public override string ToString() => Name;
}
