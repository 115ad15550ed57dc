using HybridCacheKit.Distributed;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Workload;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.LoadTest.Services;

/// <summary>
/// HybridCacheKit as an application registers it: <c>AddHybridCacheKit</c> with the L1 capped at
/// <see cref="EngineSettings.LocalCacheSizeLimitBytes"/>, Redis through <c>AddStackExchangeRedis</c> (backplane and
/// cross-node lock as configured), and the source-generated JSON context. A read is <c>GetOrCreateAsync</c> with the
/// simulated database as the loader; a write is <c>SetAsync</c>.
/// </summary>
internal sealed class EngineService(string configuration, SimulatedDatabase database, EngineSettings settings) : CacheService
{
    private ServiceProvider? _services;
    private HybridCache _cache = null!;
    private EngineCounters? _counters;

    public override string Name => "engine";

    public override string Description =>
        $"HybridCacheKit: L1 capped at {settings.LocalCacheSizeLimitBytes / (1024 * 1024)} MB, L1 TTL {settings.LocalExpiration.TotalSeconds:0} s, " +
        $"Redis L2 (hash layout), backplane {(settings.Backplane ? "on" : "off")}, distributed lock {(settings.DistributedLock ? "on" : "off")}, " +
        (settings.Timeout is { } t ? $"Redis and L2 timeouts {t.TotalMilliseconds:0} ms" : "default timeouts (Redis 250 ms, L2 500 ms)") +
        (settings.MessagePack ? ", MessagePack values (generated formatter)" : ", source-generated JSON values");

    public override async Task StartAsync()
    {
        var services = new ServiceCollection();
        var builder = services.AddHybridCacheKit(o =>
            {
                o.LocalCacheSizeLimitBytes = settings.LocalCacheSizeLimitBytes;
                o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = settings.Expiration, LocalCacheExpiration = settings.LocalExpiration };
                if (settings.Timeout is { } timeout)
                {
                    o.DistributedCacheTimeout = timeout;
                }
            })
            .AddStackExchangeRedis(o =>
            {
                o.Configuration = configuration;
                o.InstanceName = Redis.ToolKeys.Namespace;
                o.EnableBackplane = settings.Backplane;
                o.EnableDistributedLock = settings.DistributedLock;
                if (settings.Timeout is { } timeout)
                {
                    o.OperationTimeout = timeout;
                }
            })
            .AddJsonSerializerContext(ProductJsonContext.Default);
        if (settings.MessagePack)
        {
            // Added last, so it is asked first; Product has a generated formatter ([GenerateMessagePack]), the only kind
            // a Native AOT executable can use.
            builder.AddMessagePackSerializer();
        }

        _services = services.BuildServiceProvider();
        _cache = _services.GetRequiredService<HybridCache>();

        if (settings.CollectMetrics)
        {
            _counters = new EngineCounters();
        }

        if (settings.Backplane && _services.GetService<IHybridCacheBackplane>() is { } backplane)
        {
            // Until the backplane is connected the engine re-reads tag state on every L2 hit; measure the steady state.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!backplane.IsConnected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20).ConfigureAwait(false);
            }
        }

        _ = await ReadAsync(0, SimulatedDatabase.KeyOf(0)).ConfigureAwait(false);
    }

    public override ValueTask<Product> ReadAsync(int index, string key)
        => _cache.GetOrCreateAsync(key, (database, index), static (s, ct) => s.database.LoadAsync(s.index, ct));

    public override ValueTask WriteAsync(string key, Product value) => _cache.SetAsync(key, value);

    public override IReadOnlyDictionary<string, long> Counters() => _counters?.NonZero() ?? [];

    public override async ValueTask DisposeAsync()
    {
        _counters?.Dispose();
        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The engine's configuration in a run.</summary>
internal sealed record EngineSettings(
    long LocalCacheSizeLimitBytes,
    TimeSpan Expiration,
    TimeSpan LocalExpiration,
    bool Backplane,
    bool DistributedLock,
    bool CollectMetrics,
    TimeSpan? Timeout,
    bool MessagePack = false);
