using System.Collections.Concurrent;
using System.Text.Json;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Workload;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace HybridCacheKit.LoadTest.Services;

/// <summary>
/// Baseline 2: a plain port of the published two-tier design. L1 is a <see cref="ConcurrentDictionary{TKey, TValue}"/>
/// of (value, expiry) with a 60 s TTL and no size bound (the published design has none); L2 is StackExchange.Redis.
/// A read checks L1, then GET + deserialize (and fills L1), then the loader (SETEX + L1). A write is SETEX, then L1.
/// No stampede protection, no coherence between instances, no eviction but overwrite.
/// </summary>
internal sealed class TwoTierService(string configuration, SimulatedDatabase database, TimeSpan expiration, TimeSpan localExpiration) : CacheService
{
    private readonly ConcurrentDictionary<string, Entry> _local = new(StringComparer.Ordinal);
    private readonly long _localMs = (long)localExpiration.TotalMilliseconds;
    private ConnectionMultiplexer? _connection;
    private IDatabase _db = null!;
    private readonly StripedCounter _l1Hits = new();
    private readonly StripedCounter _l2Hits = new();
    private readonly StripedCounter _misses = new();

    public override string Name => "twotier";

    public override string Description => "ConcurrentDictionary (60 s TTL, unbounded) in front of StackExchange.Redis 1.2.6: the published design, ported plainly";

    public override async Task StartAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _db = _connection.GetDatabase().WithKeyPrefix(Redis.ToolKeys.Namespace);
        _ = await ReadAsync(0, SimulatedDatabase.KeyOf(0)).ConfigureAwait(false);
    }

    public override ValueTask<Product> ReadAsync(int index, string key)
    {
        if (_local.TryGetValue(key, out var entry) && entry.ExpiresMs > Environment.TickCount64)
        {
            _l1Hits.Increment();
            return new ValueTask<Product>(entry.Value);
        }

        return ReadRemoteAsync(index, key);
    }

    public override async ValueTask WriteAsync(string key, Product value)
    {
        await _db.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, ProductJsonContext.Default.Product), expiration).ConfigureAwait(false);
        _local[key] = new Entry(value, Environment.TickCount64 + _localMs);
    }

    public override IReadOnlyDictionary<string, long> Counters() => new Dictionary<string, long>
    {
        ["l1.hits"] = _l1Hits.Value,
        ["l2.hits"] = _l2Hits.Value,
        ["misses"] = _misses.Value,
    };

    public override IReadOnlyDictionary<string, long> Gauges() => new Dictionary<string, long> { ["l1.entries"] = _local.Count };

    public override ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<Product> ReadRemoteAsync(int index, string key)
    {
        var bytes = (byte[]?)await _db.StringGetAsync(key).ConfigureAwait(false);
        Product value;
        if (bytes is not null)
        {
            _l2Hits.Increment();
            value = JsonSerializer.Deserialize(bytes, ProductJsonContext.Default.Product)!;
        }
        else
        {
            _misses.Increment();
            value = await database.LoadAsync(index, CancellationToken.None).ConfigureAwait(false);
            await _db.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, ProductJsonContext.Default.Product), expiration).ConfigureAwait(false);
        }

        _local[key] = new Entry(value, Environment.TickCount64 + _localMs);
        return value;
    }

    private sealed record Entry(Product Value, long ExpiresMs);
}
