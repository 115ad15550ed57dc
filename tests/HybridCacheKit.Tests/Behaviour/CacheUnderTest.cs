using HybridCacheKit.Internal;
using HybridCacheKit.TestUtilities.Observability;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Tests.Behaviour;

/// <summary>
/// One HybridCacheKit engine in its own container, as an application registers it (AddHybridCacheKit, with logging and
/// IMeterFactory), with its logs and the measurements of its own meter collected.
/// </summary>
internal sealed class CacheUnderTest : IDisposable
{
    private readonly ServiceProvider _services;

    private CacheUnderTest(ServiceProvider services, LogCollector logs)
    {
        _services = services;
        Logs = logs;
        Cache = services.GetRequiredService<HybridCache>();

        // Scope the collector to this engine's meter instance: other tests' engines publish under the same name.
        Metrics = new MetricCollector(((DefaultHybridCache)Cache).Meter);
    }

    public HybridCache Cache { get; }

    /// <summary>The engine behind <see cref="Cache"/>, for its test hooks.</summary>
    public DefaultHybridCache Engine => (DefaultHybridCache)Cache;

    public LogCollector Logs { get; }

    public MetricCollector Metrics { get; }

    /// <summary>
    /// Builds an engine. <paramref name="time"/> defaults to the system clock; no <paramref name="l2"/> means L1 only;
    /// <paramref name="services"/> registers more (a backplane, for instance).
    /// </summary>
    public static CacheUnderTest Create(Action<HybridCacheKitOptions>? configure = null, TimeProvider? time = null, IDistributedCache? l2 = null, Action<IServiceCollection>? services = null)
    {
        var logs = new LogCollector();
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddLogging(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        collection.AddMetrics();
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        if (l2 is not null)
        {
            collection.AddSingleton(l2);
        }

        collection.AddHybridCacheKit(configure);
        return new CacheUnderTest(collection.BuildServiceProvider(), logs);
    }

    public void Dispose()
    {
        Metrics.Dispose();
        _services.Dispose();
    }
}
