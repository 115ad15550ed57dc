using System.Text.Json;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// A write of the ~1 KB DTO. Baseline: what an application writes by hand, serialize + SETEX (StringSetAsync with a
/// TTL). Against it the engine's SetAsync: serialize, envelope, L1 write, and the L2 write in Microsoft's hash layout
/// (MULTI, HSET absexp sldexp data, EXPIRE, EXEC: one round trip); with the backplane also a PUBLISH (a second round
/// trip, awaited so other nodes drop their L1 copies).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PatientBuildConfig))]
public class RedisSetBenchmarks
{
    private const string Key = "bench:item:set";
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(5);

    private readonly CatalogItem _item = CatalogItem.Sample(7);
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.General);
    private RedisBenchmarkServer _server = null!;
    private ConnectionMultiplexer _raw = null!;
    private IDatabase _db = null!;
    private RedisEngine _withBackplane = null!;
    private RedisEngine _withoutBackplane = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = RedisBenchmarkServer.Start();
        _raw = _server.ConnectRaw();
        _db = _raw.GetDatabase();
        _withBackplane = new RedisEngine(_server.Configuration, "bench-set-bp:", backplane: true);
        _withoutBackplane = new RedisEngine(_server.Configuration, "bench-set-nobp:", backplane: false);

        RawStringSetWithTtl().GetAwaiter().GetResult();
        EngineSetNoBackplane().AsTask().GetAwaiter().GetResult();
        EngineSetWithBackplane().AsTask().GetAwaiter().GetResult();
        using var client = _server.CreateClient();
        RedisEngine.Check(client.Execute("TTL", "raw:" + Key).Integer > 0, "the raw write must carry a TTL");
        RedisEngine.Check(client.Execute("HEXISTS", "bench-set-nobp:" + Key, "data").Integer == 1, "the engine must write the hash layout");
        RedisEngine.Check(client.Execute("TTL", "bench-set-bp:" + Key).Integer > 0, "the engine's write must carry a TTL");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _withBackplane.Dispose();
        _withoutBackplane.Dispose();
        _raw.Dispose();
        _server.Dispose();
    }

    /// <summary>The baseline: serialize with System.Text.Json, then SETEX.</summary>
    [Benchmark(Baseline = true)]
    public Task<bool> RawStringSetWithTtl() => _db.StringSetAsync("raw:" + Key, JsonSerializer.SerializeToUtf8Bytes(_item, _json), s_ttl);

    /// <summary>The engine without a backplane: L1 + the L2 write.</summary>
    [Benchmark]
    public ValueTask EngineSetNoBackplane() => _withoutBackplane.Cache.SetAsync(Key, _item);

    /// <summary>The engine with the backplane (the default): L1 + the L2 write + the change announcement.</summary>
    [Benchmark]
    public ValueTask EngineSetWithBackplane() => _withBackplane.Cache.SetAsync(Key, _item);
}
