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
/// <item><see cref="AsyncInMemoryTryGet"/> and <see cref="EngineL2HitAsyncInMemory"/>: no network either, but an
/// in-process L2 whose reads complete on the thread pool (<see cref="YieldingBufferCache"/>), read by hand and through
/// the engine (tag stamps trusted, as with a connected backplane): the difference is the engine's own cost on an
/// asynchronous read.</item>
/// <item><see cref="RawHashGet"/>: by hand over Microsoft's hash layout (HMGET absexp sldexp data) instead of a string.</item>
/// <item><see cref="DistributedCacheTryGet"/>: the package's IBufferDistributedCache alone (HMGET, the timeout and
/// breaker wrapper, the copy into the caller's buffer) + deserialize of plain JSON. <see cref="DistributedCacheGet"/>:
/// its IDistributedCache.GetAsync, the path sessions take (the read-and-refresh script, one EVALSHA).</item>
/// <item><see cref="EngineL2HitBackplaneConnected"/>: the full engine as configured by default; the backplane is
/// connected, so tag state is trusted: one round trip.</item>
/// <item><see cref="EngineL2HitUserMultiplexer"/>: the same over a multiplexer the application supplies
/// (PreserveAsyncOrder left on), so every reply also moves the caller to the thread pool.</item>
/// <item><see cref="EngineL2HitNoBackplane"/>: the full engine without a backplane: each hit also re-reads the "*" tag record (two round trips).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PatientBuildConfig))]
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
    private RedisEngine _userMultiplexer = null!;
    private ServiceProvider _inMemory = null!;
    private ServiceProvider _asyncInMemory = null!;
    private HybridCache _asyncInMemoryCache = null!;
    private YieldingBufferCache _yielding = null!;
    private HybridCache _inMemoryCache = null!;
    private IBufferDistributedCache _distributed = null!;
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
        _userMultiplexer = new RedisEngine(_server.Configuration, "bench-l2-user:", backplane: true, userMultiplexer: true);
        _distributed = (IBufferDistributedCache)_withoutBackplane.Services.GetRequiredService<IDistributedCache>();
        _distributed.Set("plain:" + Key, json, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        _withBackplane.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        _withoutBackplane.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        _userMultiplexer.Cache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();

        var inMemory = new ServiceCollection();
        inMemory.AddDistributedMemoryCache();
        inMemory.AddHybridCacheKit();
        _inMemory = inMemory.BuildServiceProvider();
        _inMemoryCache = _inMemory.GetRequiredService<HybridCache>();
        _inMemoryCache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        _yielding = new YieldingBufferCache();
        _yielding.Set("plain:" + Key, json, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        var asyncInMemory = new ServiceCollection();
        asyncInMemory.AddSingleton<IDistributedCache>(_yielding);
        asyncInMemory.AddHybridCacheKit(o => o.TagStateCacheDuration = TimeSpan.FromHours(1));
        _asyncInMemory = asyncInMemory.BuildServiceProvider();
        _asyncInMemoryCache = _asyncInMemory.GetRequiredService<HybridCache>();
        _asyncInMemoryCache.SetAsync(Key, _item).AsTask().GetAwaiter().GetResult();
        RedisEngine.Check(AsyncInMemoryTryGet().GetAwaiter().GetResult().Name == _item.Name, "AsyncInMemoryTryGet must round-trip");
        RedisEngine.Check(EngineL2HitAsyncInMemory().AsTask().GetAwaiter().GetResult().Name == _item.Name, "EngineL2HitAsyncInMemory must return the value");
        RedisEngine.Check(DeserializeOnly().Name == _item.Name, "DeserializeOnly must round-trip");
        RedisEngine.Check(EngineL2HitInMemory().AsTask().GetAwaiter().GetResult().Name == _item.Name, "EngineL2HitInMemory must return the value");

        // Each row must measure what its name says: a hit (no factory run) with the expected number of round trips.
        RedisEngine.Check(RawStringGet().GetAwaiter().GetResult().Name == _item.Name, "RawStringGet must round-trip");
        RedisEngine.Check(RawHashGet().GetAwaiter().GetResult().Name == _item.Name, "RawHashGet must round-trip");
        using var stats = _server.CreateClient();
        foreach (var (name, row, command, expected) in new (string Name, Func<Task> Row, string Command, int Calls)[]
        {
            (nameof(DistributedCacheTryGet), DistributedCacheTryGet, "hmget", 1),
            (nameof(DistributedCacheGet), DistributedCacheGet, "evalsha", 1),
            (nameof(EngineL2HitBackplaneConnected), () => EngineL2HitBackplaneConnected().AsTask(), "hmget", 1),
            (nameof(EngineL2HitUserMultiplexer), () => EngineL2HitUserMultiplexer().AsTask(), "hmget", 1),
            (nameof(EngineL2HitNoBackplane), () => EngineL2HitNoBackplane().AsTask(), "hmget", 2),
        })
        {
            row().GetAwaiter().GetResult();
            stats.Execute("CONFIG", "RESETSTAT");
            for (var i = 0; i < 100; i++)
            {
                row().GetAwaiter().GetResult();
            }

            // Each row must be one kind of read: a script call (its inner HMGET counted too) or plain HMGETs, nothing else.
            var calls = _server.CommandCalls(stats);
            var reads = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval") + calls.GetValueOrDefault("hmget");
            var scripts = command == "evalsha" ? 2 : 1; // EVALSHA + the HMGET inside it
            RedisEngine.Check(
                calls.GetValueOrDefault(command) == 100 * expected && reads == 100 * expected * scripts && !calls.ContainsKey("expire"),
                $"{name}: expected {expected} {command} per read and no EXPIRE, saw {string.Join(", ", calls)} for 100 reads");
        }

        RedisEngine.Check(DistributedCacheTryGet().GetAwaiter().GetResult().Name == _item.Name, "DistributedCacheTryGet must round-trip");
        RedisEngine.Check(DistributedCacheGet().GetAwaiter().GetResult().Name == _item.Name, "DistributedCacheGet must round-trip");
        foreach (var row in new Func<ValueTask<CatalogItem>>[] { EngineL2HitBackplaneConnected, EngineL2HitUserMultiplexer, EngineL2HitNoBackplane })
        {
            RedisEngine.Check(row().AsTask().GetAwaiter().GetResult().Name == _item.Name, "an engine L2 hit must return the value");
        }

#pragma warning disable CS0618 // Obsolete (a no-op) in StackExchange.Redis 2.x.
        RedisEngine.Check(_userMultiplexer.UserMultiplexer?.PreserveAsyncOrder == true, "the application-supplied multiplexer must keep StackExchange.Redis's default PreserveAsyncOrder = true");
#pragma warning restore CS0618
        RedisEngine.Check(Interlocked.Read(ref _factoryRuns) == 0, "a hit benchmark ran the factory: it is not measuring a hit");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// factory runs during the benchmark: {Interlocked.Read(ref _factoryRuns)} (0 means every engine op was an L2 hit)");
        _withBackplane.Dispose();
        _withoutBackplane.Dispose();
        _userMultiplexer.Dispose();
        _inMemory.Dispose();
        _asyncInMemory.Dispose();
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

    /// <summary>No network: an in-process L2 read that completes on the thread pool, then deserialize.</summary>
    [Benchmark]
    public async Task<CatalogItem> AsyncInMemoryTryGet()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        var found = await _yielding.TryGetAsync("plain:" + Key, buffer).ConfigureAwait(false);
        return found ? JsonSerializer.Deserialize<CatalogItem>(buffer.WrittenSpan, _json)! : throw new InvalidOperationException("missing");
    }

    /// <summary>No network: the engine's L2 hit over that same asynchronous in-process L2.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitAsyncInMemory() => _asyncInMemoryCache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

    /// <summary>By hand over Microsoft's RedisCache layout: HMGET absexp sldexp data, then deserialize.</summary>
    [Benchmark]
    public async Task<CatalogItem> RawHashGet()
    {
        var fields = await _db.HashGetAsync("raw:hash:" + Key, s_hashFields).ConfigureAwait(false);
        return JsonSerializer.Deserialize<CatalogItem>((byte[])fields[2]!, _json)!;
    }

    /// <summary>The package's IBufferDistributedCache alone (HMGET, timeout and breaker, copy to the buffer), then deserialize.</summary>
    [Benchmark]
    public async Task<CatalogItem> DistributedCacheTryGet()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        var found = await _distributed.TryGetAsync("plain:" + Key, buffer).ConfigureAwait(false);
        return found ? JsonSerializer.Deserialize<CatalogItem>(buffer.WrittenSpan, _json)! : throw new InvalidOperationException("missing");
    }

    /// <summary>The package's IDistributedCache.GetAsync (the read-and-refresh script sessions use: one EVALSHA), then deserialize.</summary>
    [Benchmark]
    public async Task<CatalogItem> DistributedCacheGet()
    {
        var bytes = await _distributed.GetAsync("plain:" + Key).ConfigureAwait(false);
        return bytes is not null ? JsonSerializer.Deserialize<CatalogItem>(bytes, _json)! : throw new InvalidOperationException("missing");
    }

    /// <summary>The engine, L1 bypassed, backplane connected (the default configuration): one HMGET per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitBackplaneConnected() => _withBackplane.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

    /// <summary>The engine, L1 bypassed, backplane connected, over an application-supplied multiplexer (thread-pool hop kept).</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitUserMultiplexer() => _userMultiplexer.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);

    /// <summary>The engine, L1 bypassed, no backplane: the entry and the "*" tag record, two Redis reads per hit.</summary>
    [Benchmark]
    public ValueTask<CatalogItem> EngineL2HitNoBackplane() => _withoutBackplane.Cache.GetOrCreateAsync(Key, this, s_factory, s_l2Only);
}
