using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// An L2 hit through Redis against raw StackExchange.Redis GET + System.Text.Json on the same ~1 KB DTO (the baseline;
/// target: the engine at most 1.1×). L1 is bypassed (DisableLocalCacheRead|Write), so each engine op is a Redis read,
/// the envelope, the tag check and a deserialize. The rows in between say where the time goes:
/// <list type="bullet">
/// <item><see cref="RawHashGet"/>: the same by hand, but Microsoft's hash layout (HMGET absexp sldexp data) instead of a string.</item>
/// <item><see cref="DistributedCacheTryGet"/>: the package's IBufferDistributedCache alone (its read script, the timeout
/// and breaker wrapper, the move off StackExchange.Redis's completion thread) + deserialize of plain JSON.</item>
/// <item><see cref="EngineL2HitBackplaneConnected"/>: the full engine, backplane connected, so tag state is trusted: one round trip.</item>
/// <item><see cref="EngineL2HitNoBackplane"/>: the full engine without a backplane: each hit also re-reads the "*" tag record (two round trips).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class RedisL2HitBenchmarks
{
    private const string Key = "bench:item:42";

    private static readonly HybridCacheEntryOptions s_l2Only = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    private static readonly Func<RedisL2HitBenchmarks, CancellationToken, ValueTask<CatalogItem>> s_factory =
        static (self, _) => { Interlocked.Increment(ref self._factoryRuns); return new ValueTask<CatalogItem>(self._item); };

    private static readonly RedisValue[] s_hashFields = ["absexp", "sldexp", "data"];

    private readonly CatalogItem _item = CatalogItem.Sample(42);
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.General);
    private RedisBenchmarkServer _server = null!;
    private ConnectionMultiplexer _raw = null!;
    private IDatabase _db = null!;
    private RedisEngine _withBackplane = null!;
    private RedisEngine _withoutBackplane = null!;
    private IBufferDistributedCache _distributed = null!;
    private long _factoryRuns;

    [GlobalSetup]
    public void Setup()
    {
        _server = RedisBenchmarkServer.Start();
        _raw = ConnectionMultiplexer.Connect(_server.Configuration);
        _db = _raw.GetDatabase();
        var json = JsonSerializer.SerializeToUtf8Bytes(_item, _json);
        RedisEngine.Check(json.Length is >= 900 and <= 1200, $"the DTO should be about 1 KB as JSON, is {json.Length} B");

        _db.StringSet("raw:string:" + Key, json, TimeSpan.FromHours(1));
        _db.HashSet("raw:hash:" + Key, [new("absexp", -1), new("sldexp", -1), new("data", json)]);

        _withBackplane = new RedisEngine(_server.Configuration, "bench-l2-bp:", backplane: true);
        _withoutBackplane = new RedisEngine(_server.Configuration, "bench-l2-nobp:", backplane: false);
        _distributed = (IBufferDistributedCache)_withoutBackplane.Services.GetRequiredService<IDistributedCache>();
        _distributed.Set("plain:" + Key, json, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        _withBackplane.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        _withoutBackplane.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();

        // Each row must measure what its name says: a hit (no factory run) with the expected number of round trips.
        RedisEngine.Check(RawStringGet().GetAwaiter().GetResult().Name == _item.Name, "RawStringGet must round-trip");
        RedisEngine.Check(RawHashGet().GetAwaiter().GetResult().Name == _item.Name, "RawHashGet must round-trip");
        RedisEngine.Check(DistributedCacheTryGet().GetAwaiter().GetResult().Name == _item.Name, "DistributedCacheTryGet must round-trip");
        using var stats = _server.CreateClient();
        foreach (var (row, expectedReads) in new (Func<ValueTask<CatalogItem>> Row, int Reads)[] { (EngineL2HitBackplaneConnected, 1), (EngineL2HitNoBackplane, 2) })
        {
            row().AsTask().GetAwaiter().GetResult();
            stats.Execute("CONFIG", "RESETSTAT");
            for (var i = 0; i < 100; i++)
            {
                RedisEngine.Check(row().AsTask().GetAwaiter().GetResult().Name == _item.Name, "an engine L2 hit must return the value");
            }

            var calls = _server.CommandCalls(stats);
            // A read is one EVALSHA (the read-and-refresh script; the HMGET inside it is counted too), or one HMGET without scripts.
            var scripts = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
            var reads = scripts > 0 ? scripts : calls.GetValueOrDefault("hmget");
            RedisEngine.Check(reads == 100 * expectedReads, $"{row.Method.Name}: expected {expectedReads} Redis reads per hit, saw {reads} for 100 hits ({string.Join(", ", calls)})");
        }

        RedisEngine.Check(Interlocked.Read(ref _factoryRuns) == 0, "a hit benchmark ran the factory: it is not measuring a hit");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// factory runs during the benchmark: {Interlocked.Read(ref _factoryRuns)} (0 means every engine op was an L2 hit)");
        _withBackplane.Dispose();
        _withoutBackplane.Dispose();
        _raw.Dispose();
        _server.Dispose();
    }

    /// <summary>The baseline: what an application would write by hand. GET, then deserialize.</summary>
    [Benchmark(Baseline = true)]
    public async Task<CatalogItem> RawStringGet()
    {
        byte[]? bytes = await _db.StringGetAsync("raw:string:" + Key).ConfigureAwait(false);
        return JsonSerializer.Deserialize<CatalogItem>(bytes, _json)!;
    }

    /// <summary>By hand over Microsoft's RedisCache layout: HMGET absexp sldexp data, then deserialize.</summary>
    [Benchmark]
    public async Task<CatalogItem> RawHashGet()
    {
        var fields = await _db.HashGetAsync("raw:hash:" + Key, s_hashFields).ConfigureAwait(false);
        return JsonSerializer.Deserialize<CatalogItem>((byte[])fields[2]!, _json)!;
    }

    /// <summary>The package's IBufferDistributedCache alone (read script, timeout and breaker, thread-pool hop), then deserialize.</summary>
    [Benchmark]
    public async Task<CatalogItem> DistributedCacheTryGet()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        var found = await _distributed.TryGetAsync("plain:" + Key, buffer).ConfigureAwait(false);
        return found ? JsonSerializer.Deserialize<CatalogItem>(buffer.WrittenSpan, _json)! : throw new InvalidOperationException("missing");
    }

    /// <summary>The engine, L1 bypassed, backplane connected (the default configuration): one Redis read per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitBackplaneConnected() => _withBackplane.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

    /// <summary>The engine, L1 bypassed, no backplane: the entry and the "*" tag record, two Redis reads per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitNoBackplane() => _withoutBackplane.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);
}
