using System.Text.Json;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Workload;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace HybridCacheKit.LoadTest.Services;

/// <summary>
/// Baseline 1: cache-aside on raw StackExchange.Redis with no in-process tier. A read is GET + JSON deserialize; on a
/// miss the loader runs and the value is written back with SETEX. A write is JSON serialize + SETEX. The multiplexer is
/// used with its defaults, as a plain port would.
/// </summary>
internal sealed class RawRedisService(string configuration, SimulatedDatabase database, TimeSpan expiration, bool transactionalWrites = false) : CacheService
{
    private ConnectionMultiplexer? _connection;
    private IDatabase _db = null!;
    private readonly StripedCounter _misses = new();

    public override string Name => transactionalWrites ? "rawtx" : "raw";

    public override string Description => "StackExchange.Redis 1.2.6 cache-aside, no L1: GET + System.Text.Json (source-generated); miss: loader + SETEX; write: SETEX";

    public override async Task StartAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        _db = _connection.GetDatabase().WithKeyPrefix(Redis.ToolKeys.Namespace);
        if (transactionalWrites)
        {
            await WriteAsync(SimulatedDatabase.KeyOf(0), database.Create(0, 0)).ConfigureAwait(false);
        }
        else
        {
            _ = await ReadAsync(0, SimulatedDatabase.KeyOf(0)).ConfigureAwait(false);
        }
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
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, ProductJsonContext.Default.Product);
        if (!transactionalWrites)
        {
            await _db.StringSetAsync(key, bytes, expiration).ConfigureAwait(false);
            return;
        }

        // Diagnostic variant (--mode rawtx, not part of "all"): the write shape of the Redis package's hash layout,
        // MULTI + HSET + EXPIRE + EXEC, issued directly, to separate StackExchange.Redis's transaction cost from the rest.
        var transaction = _db.CreateTransaction();
        var set = transaction.HashSetAsync(key, [new HashEntry("absexp", DateTime.UtcNow.Add(expiration).Ticks), new HashEntry("sldexp", -1), new HashEntry("data", bytes)]);
        var ttl = transaction.KeyExpireAsync(key, expiration);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        await set.ConfigureAwait(false);
        await ttl.ConfigureAwait(false);
    }

    public override IReadOnlyDictionary<string, long> Counters() => new Dictionary<string, long> { ["redis.misses"] = _misses.Value };

    public override ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        return ValueTask.CompletedTask;
    }
}
