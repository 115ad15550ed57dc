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
/// the envelope, the tag check and a deserialize. The other rows say where the time goes:
/// <list type="bullet">
/// <item><see cref="DeserializeOnly"/> and <see cref="EngineL2HitInMemory"/>: no I/O; System.Text.Json alone, and the
/// engine's own work over an in-process IDistributedCache (flight, envelope, tag check, deserialize).</item>
/// <item><see cref="RawHashGet"/>: by hand over Microsoft's hash layout (HMGET absexp sldexp data) instead of a string.</item>
/// <item><see cref="DistributedCacheTryGet"/>: the package's IBufferDistributedCache alone (its read-and-refresh script,
/// the timeout and breaker wrapper, the move off StackExchange.Redis's completion thread) + deserialize of plain JSON;
/// <see cref="DistributedCacheTryGetNoScripts"/> the same with UseScripts = false (HMGET instead of EVALSHA).</item>
/// <item><see cref="EngineL2HitBackplaneConnected"/>: the full engine as configured by default; the backplane is
/// connected, so tag state is trusted: one round trip. <see cref="EngineL2HitBackplaneConnectedNoScripts"/>: the same with HMGET.</item>
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
    private RedisEngine _noScripts = null!;
    private ServiceProvider _inMemory = null!;
    private HybridCache _inMemoryCache = null!;
    private IBufferDistributedCache _distributed = null!;
    private IBufferDistributedCache _distributedNoScripts = null!;
    private byte[] _jsonBytes = null!;
    private long _factoryRuns;

    [GlobalSetup]
    public void Setup()
    {
        _server = RedisBenchmarkServer.Start();
        _raw = _server.ConnectRaw();
        _db = _raw.GetDatabase();
        var json = _jsonBytes = JsonSerializer.SerializeToUtf8Bytes(_item, _json);
        RedisEngine.Check(json.Length is >= 900 and <= 1200, $"the DTO should be about 1 KB as JSON, is {json.Length} B");

        _db.StringSet("raw:string:" + Key, json, TimeSpan.FromHours(1));
        _db.HashSet("raw:hash:" + Key, [new("absexp", -1), new("sldexp", -1), new("data", json)]);

        _withBackplane = new RedisEngine(_server.Configuration, "bench-l2-bp:", backplane: true);
        _withoutBackplane = new RedisEngine(_server.Configuration, "bench-l2-nobp:", backplane: false);
        _noScripts = new RedisEngine(_server.Configuration, "bench-l2-noscripts:", backplane: true, useScripts: false);
        _distributed = (IBufferDistributedCache)_withoutBackplane.Services.GetRequiredService<IDistributedCache>();
        _distributedNoScripts = (IBufferDistributedCache)_noScripts.Services.GetRequiredService<IDistributedCache>();
        _distributed.Set("plain:" + Key, json, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        _distributedNoScripts.Set("plain:" + Key, json, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        _withBackplane.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        _withoutBackplane.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        _noScripts.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();

        var inMemory = new ServiceCollection();
        inMemory.AddDistributedMemoryCache();
        inMemory.AddHybridCacheKit();
        _inMemory = inMemory.BuildServiceProvider();
        _inMemoryCache = _inMemory.GetRequiredService<HybridCache>();
        _inMemoryCache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        RedisEngine.Check(DeserializeOnly().Name == _item.Name, "DeserializeOnly must round-trip");
        RedisEngine.Check(EngineL2HitInMemory().AsTask().GetAwaiter().GetResult().Name == _item.Name, "EngineL2HitInMemory must return the value");
        RedisEngine.Check(DistributedCacheTryGetNoScripts().GetAwaiter().GetResult().Name == _item.Name, "DistributedCacheTryGetNoScripts must round-trip");

        // Each row must measure what its name says: a hit (no factory run) with the expected number of round trips.
        RedisEngine.Check(RawStringGet().GetAwaiter().GetResult().Name == _item.Name, "RawStringGet must round-trip");
        RedisEngine.Check(RawHashGet().GetAwaiter().GetResult().Name == _item.Name, "RawHashGet must round-trip");
        RedisEngine.Check(DistributedCacheTryGet().GetAwaiter().GetResult().Name == _item.Name, "DistributedCacheTryGet must round-trip");
        using var stats = _server.CreateClient();
        foreach (var (row, expectedReads) in new (Func<ValueTask<CatalogItem>> Row, int Reads)[] { (EngineL2HitBackplaneConnected, 1), (EngineL2HitBackplaneConnectedNoScripts, 1), (EngineL2HitNoBackplane, 2) })
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
        _noScripts.Dispose();
        _inMemory.Dispose();
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

    /// <summary>No I/O: System.Text.Json alone on the same bytes.</summary>
    [Benchmark]
    public CatalogItem DeserializeOnly() => JsonSerializer.Deserialize<CatalogItem>(_jsonBytes, _json)!;

    /// <summary>No I/O: the engine's own work for an L2 hit, over an in-process MemoryDistributedCache.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitInMemory() => _inMemoryCache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

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

    /// <summary>The package's IBufferDistributedCache with UseScripts = false (HMGET; EXPIRE only for sliding entries).</summary>
    [Benchmark]
    public async Task<CatalogItem> DistributedCacheTryGetNoScripts()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        var found = await _distributedNoScripts.TryGetAsync("plain:" + Key, buffer).ConfigureAwait(false);
        return found ? JsonSerializer.Deserialize<CatalogItem>(buffer.WrittenSpan, _json)! : throw new InvalidOperationException("missing");
    }

    /// <summary>The engine, L1 bypassed, backplane connected, UseScripts = false: one HMGET per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitBackplaneConnectedNoScripts() => _noScripts.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

    /// <summary>The engine, L1 bypassed, backplane connected (the default configuration): one Redis read per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitBackplaneConnected() => _withBackplane.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

    /// <summary>The engine, L1 bypassed, no backplane: the entry and the "*" tag record, two Redis reads per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitNoBackplane() => _withoutBackplane.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);
}
