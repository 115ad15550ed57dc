using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Benchmarks;

/// <summary>
/// The engine's hot paths against their natural references, all in one class so the Ratio column compares them with
/// the raw <see cref="MemoryCache"/> lookup. Targets: an immutable L1 hit ≤ 1.5× the raw lookup with 0 B allocated;
/// a mutable L1 hit ≤ 1.2× <see cref="DeserializeOnlyMutable"/> (read that ratio as L1HitMutable / DeserializeOnlyMutable).
/// L2 is an in-process <c>MemoryDistributedCache</c>, so the L2 rows measure the engine's own work, not a network.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const string ImmutableKey = "product:42:summary";
    private const string MutableKey = "product:42:details";
    private const string L2Key = "product:42:l2";
    private const int MissKeyRing = 256;

    // Skip L1 entirely (no read, no write), so every call is "L1 bypassed → L2 hit → envelope parse → deserialize".
    private static readonly HybridCacheEntryOptions s_l2Only = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    private static readonly Func<EngineBenchmarks, CancellationToken, ValueTask<ProductSummary>> s_immutableFactory =
        static (self, _) => { self._factoryRuns++; return new ValueTask<ProductSummary>(self._summary); };

    private static readonly Func<EngineBenchmarks, CancellationToken, ValueTask<ProductDetails>> s_mutableFactory =
        static (self, _) => { self._factoryRuns++; return new ValueTask<ProductDetails>(self._details); };

    private readonly ProductSummary _summary = new(42, "Espresso machine", 249.90m);
    private readonly ProductDetails _details = ProductDetails.Sample();
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.General);
    private readonly string[] _missKeys = Enumerable.Range(0, MissKeyRing).Select(i => $"product:{i}:fresh").ToArray();

    private MemoryCache _raw = null!;
    private ServiceProvider _services = null!;
    private HybridCache _cache = null!;
    private byte[] _detailsJson = null!;
    private int _missCursor;
    private long _factoryRuns;

    [GlobalSetup]
    public void Setup()
    {
        _raw = new MemoryCache(new MemoryCacheOptions());
        _raw.Set(ImmutableKey, _summary);

        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddHybridCacheKit(o => o.JsonSerializerOptions = _json);
        _services = services.BuildServiceProvider();
        _cache = _services.GetRequiredService<HybridCache>();

        // Warm the keys, then check each benchmark measures what its name says before BenchmarkDotNet times it.
        _ = _cache.GetOrCreateAsync(ImmutableKey, this, s_immutableFactory).AsTask().GetAwaiter().GetResult();
        _ = _cache.GetOrCreateAsync(MutableKey, this, s_mutableFactory).AsTask().GetAwaiter().GetResult();
        _ = _cache.GetOrCreateAsync(L2Key, this, s_mutableFactory).AsTask().GetAwaiter().GetResult();
        var runsAfterWarmUp = _factoryRuns;

        // The reference deserializes exactly the bytes the engine's L1 holds for MutableKey.
        _detailsJson = EngineInternals.L1Item(_cache, MutableKey).Payload!;
        Check(_detailsJson.AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(_details, _json)), "The engine's L1 payload must be plain System.Text.Json output.");

        Check(ReferenceEquals(L1HitImmutable(), _summary), "L1HitImmutable must return the cached instance itself.");
        var copy = L1HitMutable();
        Check(!ReferenceEquals(copy, _details) && copy.Name == _details.Name && copy.Tags.Count == _details.Tags.Count, "L1HitMutable must return a fresh, equal copy.");
        Check(DeserializeOnlyMutable().Name == _details.Name, "DeserializeOnlyMutable must round-trip.");
        Check(L2HitInMemory().AsTask().GetAwaiter().GetResult().Name == _details.Name, "L2HitInMemory must return the L2 value.");
        Check(_factoryRuns == runsAfterWarmUp, "A hit benchmark ran the factory: it is not measuring a hit.");
        _ = MissThenSet().AsTask().GetAwaiter().GetResult();
        Check(_factoryRuns == runsAfterWarmUp + 1, "MissThenSet must run the factory exactly once per operation.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _services.Dispose();
    }

    /// <summary>The floor: a lookup in a plain MemoryCache holding the same key and value.</summary>
    [Benchmark(Baseline = true)]
    public ProductSummary RawMemoryCacheTryGetValue()
        => _raw.TryGetValue(ImmutableKey, out ProductSummary? value) ? value! : throw new InvalidOperationException("Baseline key missing.");

    /// <summary>A warm L1 hit on a sealed [ImmutableObject(true)] record: the shared instance, no copy.</summary>
    [Benchmark]
    public ProductSummary L1HitImmutable() => Sync(_cache.GetOrCreateAsync(ImmutableKey, this, s_immutableFactory));

    /// <summary>A warm L1 hit on a mutable class: L1 holds JSON bytes, each hit deserializes a new instance.</summary>
    [Benchmark]
    public ProductDetails L1HitMutable() => Sync(_cache.GetOrCreateAsync(MutableKey, this, s_mutableFactory));

    /// <summary>The reference for <see cref="L1HitMutable"/>: System.Text.Json alone on the same bytes and options.</summary>
    [Benchmark]
    public ProductDetails DeserializeOnlyMutable() => JsonSerializer.Deserialize<ProductDetails>(_detailsJson, _json)!;

    /// <summary>
    /// L1 bypassed (DisableLocalCacheRead|Write): flight bookkeeping, L2 GET of the entry, L2 GET of the "*" tag record
    /// (TagStateCacheDuration defaults to 0, so every L2 hit re-checks invalidations), envelope parse + CRC, deserialize.
    /// </summary>
    [Benchmark]
    public async ValueTask<ProductDetails> L2HitInMemory()
    {
        var pending = _cache.GetOrCreateAsync(L2Key, this, s_mutableFactory, s_l2Only);
        return pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
    }

    /// <summary>
    /// A genuine miss on a key from a ring of 256, then the store. Each op: RemoveAsync (L1 remove + L2 remove, which
    /// keeps memory bounded and makes the next read a real miss), L1 miss, L2 GET miss, factory (returns a ready
    /// instance), serialize, L1 set, envelope + L2 SET. So it is "miss + set + one in-memory remove".
    /// </summary>
    [Benchmark]
    public async ValueTask<ProductDetails> MissThenSet()
    {
        var key = _missKeys[_missCursor++ & (MissKeyRing - 1)];
        var removing = _cache.RemoveAsync(key);
        if (!removing.IsCompletedSuccessfully)
        {
            await removing.ConfigureAwait(false);
        }

        var pending = _cache.GetOrCreateAsync(key, this, s_mutableFactory);
        return pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
    }

    // L1 hits must complete synchronously; one that does not is not an L1 hit, so fail loudly rather than time a
    // blocking wait. (The async benchmarks above await instead.)
    private static T Sync<T>(ValueTask<T> pending)
        => pending.IsCompletedSuccessfully
            ? pending.GetAwaiter().GetResult()
            : throw new InvalidOperationException("Expected a synchronous completion (a warm L1 hit); the key is not warm.");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark setup check failed: " + message);
        }
    }
}
