using System.Text.Json;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Workload;
using StackExchange.Redis;

namespace HybridCacheKit.LoadTest.Services;

/// <summary>
/// Baseline 1: cache-aside on raw StackExchange.Redis with no in-process tier. A read is GET + JSON deserialize; on a
/// miss the loader runs and the value is written back with SETEX. A write is JSON serialize + SETEX. The multiplexer is
/// used with its defaults, as a plain port would.
/// </summary>
internal sealed class RawRedisService(string configuration, SimulatedDatabase database, TimeSpan expiration) : CacheService
{
    private ConnectionMultiplexer? _connection;
    private IDatabase _db = null!;
    private readonly StripedCounter _misses = new();

    public override string Name => "raw";

    public override string Description => "StackExchange.Redis 1.2.6 cache-aside, no L1: GET + System.Text.Json (source-generated); miss: loader + SETEX; write: SETEX";

    public override async Task StartAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _db = _connection.GetDatabase();
        _ = await ReadAsync(0, SimulatedDatabase.KeyOf(0)).ConfigureAwait(false);
    }

    public override async ValueTask<Product> ReadAsync(int index, string key)
    {
        var bytes = (byte[]?)await _db.StringGetAsync(key).ConfigureAwait(false);
        if (bytes is not null)
        {
            return JsonSerializer.Deserialize(bytes, ProductJsonContext.Default.Product)!;
        }

        _misses.Increment();
        var value = await database.LoadAsync(index, CancellationToken.None).ConfigureAwait(false);
        await _db.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, ProductJsonContext.Default.Product), expiration).ConfigureAwait(false);
        return value;
    }

    public override async ValueTask WriteAsync(string key, Product value)
        => await _db.StringSetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, ProductJsonContext.Default.Product), expiration).ConfigureAwait(false);

    public override IReadOnlyDictionary<string, long> Counters() => new Dictionary<string, long> { ["redis.misses"] = _misses.Value };

    public override ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        return ValueTask.CompletedTask;
    }
}
