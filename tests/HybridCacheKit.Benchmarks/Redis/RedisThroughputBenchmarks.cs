using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// Throughput of reads of the ~1 KB DTO at 64 and 1,000 concurrent callers, each running its reads back to back over
/// a set of 100 warm keys; <see cref="TotalOperations"/> reads per invoke, so Mean is the time per read and Ops/s the
/// throughput of the whole process (2 cores). Baseline: raw StackExchange.Redis GET + deserialize. Then the engine as
/// configured by default (L1 + Redis + backplane): reads are L1 hits (a deserialize of the L1 bytes, since the DTO is
/// mutable) that never touch Redis — an L1 number, reported as such. And the engine with L1 bypassed: every read is a
/// Redis read (one round trip, the backplane being connected) + envelope + deserialize.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OpsPerSecondColumn.Config))]
public class RedisThroughputBenchmarks
{
    public const int TotalOperations = 64_000;
    private const int KeyCount = 100;

    private static readonly HybridCacheEntryOptions s_l2Only = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    private static readonly Func<RedisThroughputBenchmarks, CancellationToken, ValueTask<CatalogItem>> s_factory =
        static (self, _) => { Interlocked.Increment(ref self._factoryRuns); return new ValueTask<CatalogItem>(self._item); };

    private readonly CatalogItem _item = CatalogItem.Sample(1);
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.General);
    private readonly string[] _keys = Enumerable.Range(0, KeyCount).Select(i => $"bench:tp:{i}").ToArray();
    private readonly RedisKey[] _rawKeys = Enumerable.Range(0, KeyCount).Select(i => (RedisKey)$"raw:bench:tp:{i}").ToArray();
    private RedisBenchmarkServer _server = null!;
    private ConnectionMultiplexer _raw = null!;
    private IDatabase _db = null!;
    private RedisEngine _engine = null!;
    private long _factoryRuns;

    [Params(64, 1000)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = RedisBenchmarkServer.Start();
        _raw = _server.ConnectRaw();
        _db = _raw.GetDatabase();

        // The 10 s operation timeout of RedisEngine: under 1,000 callers a queue of replies can exceed 250 ms; the
        // benchmark measures throughput, not the timeout, and checks in cleanup that no read fell back to the factory.
        _engine = new RedisEngine(_server.Configuration, "bench-tp:", backplane: true);
        var json = JsonSerializer.SerializeToUtf8Bytes(_item, _json);
        for (var i = 0; i < KeyCount; i++)
        {
            _db.StringSet(_rawKeys[i], json, TimeSpan.FromHours(1));
            _engine.Cache.SetAsync(_keys[i], _item).AsTask().GetAwaiter().GetResult();
        }

        RedisEngine.Check(Interlocked.Read(ref _factoryRuns) == 0, "setup ran the factory");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var runs = Interlocked.Read(ref _factoryRuns);
        Console.WriteLine($"// factory runs during the benchmark: {runs} (0 means every engine read was a hit)");
        _engine.Dispose();
        _raw.Dispose();
        _server.Dispose();
        RedisEngine.Check(runs == 0, $"{runs} engine reads fell back to the factory (an L2 timeout or miss): the engine rows did not measure hits only");
    }

    /// <summary>Raw StackExchange.Redis: GET + deserialize.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = TotalOperations)]
    public Task RawGet() => RunAsync(static async (self, i) =>
    {
        byte[]? bytes = await self._db.StringGetAsync(self._rawKeys[i % KeyCount]).ConfigureAwait(false);
        return JsonSerializer.Deserialize<CatalogItem>(bytes, self._json)!;
    });

    /// <summary>The engine as configured by default: L1 hits (no Redis round trip), deserialized per read.</summary>
    [Benchmark(OperationsPerInvoke = TotalOperations)]
    public Task EngineGetOrCreateL1() => RunAsync(static (self, i) => self._engine.Cache.GetOrCreateAsync(self._keys[i % KeyCount], self, s_factory).AsTask());

    /// <summary>The engine with L1 bypassed: every read is a Redis read.</summary>
    [Benchmark(OperationsPerInvoke = TotalOperations)]
    public Task EngineGetOrCreateL2Only() => RunAsync(static (self, i) => self._engine.Cache.GetOrCreateAsync(self._keys[i % KeyCount], self, s_factory, s_l2Only).AsTask());

    private Task RunAsync(Func<RedisThroughputBenchmarks, int, Task<CatalogItem>> read)
    {
        var perCaller = TotalOperations / Concurrency;
        var callers = new Task[Concurrency];
        for (var c = 0; c < callers.Length; c++)
        {
            var offset = c * 7;
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < perCaller; i++)
                {
                    var item = await read(this, offset + i).ConfigureAwait(false);
                    if (item.Id != _item.Id)
                    {
                        throw new InvalidOperationException("wrong value");
                    }
                }
            });
        }

        return Task.WhenAll(callers);
    }
}
