using System.Diagnostics.Metrics;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Observability;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Security;

/// <summary>
/// One application node: its own service provider with the engine over the whole Redis package (L2, backplane,
/// lock), as a web server would have. Used by the security and cluster tests.
/// </summary>
internal sealed class RedisTestApp : IAsyncDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private readonly ServiceProvider _services;

    private RedisTestApp(ServiceProvider services)
    {
        _services = services;
        Metrics = new MetricCollector(services.GetRequiredService<IMeterFactory>().Create(HybridCacheKitDiagnostics.MeterName));
        Cache = services.GetRequiredService<HybridCache>();
    }

    /// <summary>The measurements of this node's engine meter.</summary>
    public MetricCollector Metrics { get; }

    /// <summary>Backplane messages this node's engine received from other nodes.</summary>
    public double BackplaneMessagesReceived => Metrics.Sum(HybridCacheKitDiagnostics.BackplaneMessages);

    public HybridCache Cache { get; }

    public IDistributedCache DistributedCache => _services.GetRequiredService<IDistributedCache>();

    public RedisConnection Connection => _services.GetRequiredService<RedisConnection>();

    public IHybridCacheBackplane? Backplane => _services.GetService<IHybridCacheBackplane>();

    public IServiceProvider Services => _services;

    /// <summary>Builds a node and waits (bounded) until Redis answers and, when enabled, the backplane is subscribed.</summary>
    public static async Task<RedisTestApp> StartAsync(
        string instanceName,
        string? configuration = null,
        ConfigurationOptions? configurationOptions = null,
        Action<HybridCacheKitRedisOptions>? configureRedis = null,
        Action<HybridCacheKitOptions>? configureEngine = null,
        bool waitUntilConnected = true,
        Action<IHybridCacheKitBuilder>? configureServices = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        // Generous for tests on a busy 2-core machine, in both layers (the engine's L2 deadline above the package's
        // timeout, as in MultiNode.CacheNode); outages are tested elsewhere with short timeouts.
        var builder = services.AddHybridCacheKit(o =>
        {
            o.DistributedCacheTimeout = TimeSpan.FromSeconds(5);
            configureEngine?.Invoke(o);
        }).AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.ConfigurationOptions = configurationOptions;
            o.InstanceName = instanceName;
            o.OperationTimeout = TimeSpan.FromSeconds(2);
            configureRedis?.Invoke(o);
        });
        configureServices?.Invoke(builder);
        var app = new RedisTestApp(services.BuildServiceProvider());
        if (waitUntilConnected)
        {
            await app.WaitUntilConnectedAsync();
        }

        return app;
    }

    public async Task WaitUntilConnectedAsync()
    {
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await Connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None);
                return Backplane is null || Backplane.IsConnected;
            }
            catch (RedisCacheUnavailableException)
            {
                return false;
            }
        }, "Redis answers PING and the backplane is subscribed");
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await _services.DisposeAsync();
    }

    /// <summary>Bounded polling for conditions that become true asynchronously (pub/sub delivery, failover).</summary>
    internal static class Eventually
    {
        public static Task TrueAsync(Func<Task<bool>> condition, string what) => TrueAsync(condition, () => what);

        /// <summary>As above, with a failure message made when it fails (to include the state at that moment).</summary>
        public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what)
        {
            var deadline = DateTime.UtcNow + WaitLimit;
            while (!await condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"Not true within {WaitLimit}: {what()}.");
                }

                await Task.Delay(20);
            }
        }
    }
}
