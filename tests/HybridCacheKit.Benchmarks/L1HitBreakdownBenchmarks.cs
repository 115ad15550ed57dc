using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HybridCacheKit.Serialization;
using BenchmarkDotNet.Attributes;
using HybridCacheKit.Internal;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Benchmarks;

/// <summary>
/// Where the time of an immutable L1 hit goes: each step of <c>DefaultHybridCache.GetOrCreateCoreAsync</c> on the hit
/// path, timed on its own. The private steps (key validation, local tag check) are copied line for line from the
/// engine; keep them in sync if the engine changes. Not part of the headline run (filter on <c>*L1HitBreakdown*</c>).
/// </summary>
[MemoryDiagnoser]
public class L1HitBreakdownBenchmarks
{
    private const string Key = "product:42:summary";
    private const string IntKey = "product:42:stock";
    private const string MutableKey = "product:42:details";

    private static readonly Func<L1HitBreakdownBenchmarks, CancellationToken, ValueTask<ProductSummary>> s_factory =
        static (self, _) => new ValueTask<ProductSummary>(self._summary);

    private static readonly Func<L1HitBreakdownBenchmarks, CancellationToken, ValueTask<ProductDetails>> s_mutableFactory =
        static (self, _) => new ValueTask<ProductDetails>(self._details);

    private static readonly Func<int, CancellationToken, ValueTask<int>> s_intFactory = static (state, _) => new ValueTask<int>(state);

    private readonly ProductSummary _summary = new(42, "Espresso machine", 249.90m);
    private readonly ProductDetails _details = ProductDetails.Sample();
    private readonly CacheClock _clock = new(TimeProvider.System);
    private readonly CacheInstruments _instruments = new(meterFactory: null);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _dictionary = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CacheItem> _itemDictionary = new(StringComparer.Ordinal);

    private MemoryCache _raw = null!;
    private MemoryCache _rawWithExpiry = null!;
    private ServiceProvider _services = null!;
    private HybridCache _cache = null!;
    private MemoryCache _engineL1 = null!;
    private CacheItem _item = null!;
    private CacheItem _mutableItem = null!;
    private byte[] _payload = null!;
    private IHybridCacheSerializer<ProductDetails> _serializer = null!;
    private JsonTypeInfo<ProductDetails> _typeInfo = null!;
    private long _allTagsInvalidatedAt = -1;

    [GlobalSetup]
    public void Setup()
    {
        _raw = new MemoryCache(new MemoryCacheOptions());
        _raw.Set(Key, _summary);
        _rawWithExpiry = new MemoryCache(new MemoryCacheOptions());
        _rawWithExpiry.Set(Key, _summary, TimeSpan.FromMinutes(5));
        _dictionary[Key] = _summary;

        var services = new ServiceCollection();
        services.AddHybridCacheKit(); // L1 only: the hit path never touches L2
        _services = services.BuildServiceProvider();
        _cache = _services.GetRequiredService<HybridCache>();
        _ = _cache.GetOrCreateAsync(Key, this, s_factory).AsTask().GetAwaiter().GetResult();
        _ = _cache.GetOrCreateAsync(IntKey, 7, s_intFactory).AsTask().GetAwaiter().GetResult();

        _ = _cache.GetOrCreateAsync(MutableKey, this, s_mutableFactory).AsTask().GetAwaiter().GetResult();

        _engineL1 = EngineInternals.L1(_cache);
        _item = EngineInternals.L1Item(_cache, Key);
        _mutableItem = EngineInternals.L1Item(_cache, MutableKey);
        _payload = _mutableItem.Payload!;
        _serializer = (IHybridCacheSerializer<ProductDetails>)typeof(CacheItem).GetField("_serializer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(_mutableItem)!;
        _typeInfo = (JsonTypeInfo<ProductDetails>)SerializerRegistry.DefaultJsonOptions.GetTypeInfo(typeof(ProductDetails));
        _itemDictionary[Key] = _item;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _rawWithExpiry.Dispose();
        _services.Dispose();
        _instruments.Dispose();
    }

    [Benchmark(Baseline = true)]
    public ProductSummary RawMemoryCacheTryGetValue()
        => _raw.TryGetValue(Key, out ProductSummary? value) ? value! : throw new InvalidOperationException();

    /// <summary>The same lookup, on an entry with an absolute expiration as the engine's L1 entries have.</summary>
    [Benchmark]
    public ProductSummary RawMemoryCacheWithExpiry()
        => _rawWithExpiry.TryGetValue(Key, out ProductSummary? value) ? value! : throw new InvalidOperationException();

    /// <summary>The whole hit, as in EngineBenchmarks.L1HitImmutable.</summary>
    [Benchmark]
    public ProductSummary EngineHit()
    {
        var pending = _cache.GetOrCreateAsync(Key, this, s_factory);
        return pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException();
    }

    /// <summary>The whole hit with TState and T value types: no shared-generic dictionary lookups.</summary>
    [Benchmark]
    public int EngineHitInt()
    {
        var pending = _cache.GetOrCreateAsync(IntKey, 7, s_intFactory);
        return pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException();
    }

    /// <summary>DefaultHybridCache.IsValidKey, accepted-key path.</summary>
    [Benchmark]
    public bool KeyValidation() => IsValidKey(Key, 1024);

    /// <summary>The engine's own MemoryCache lookup plus the CacheItem and type checks of LookupL1.</summary>
    [Benchmark]
    public object? EngineL1Lookup()
        => _engineL1.TryGetValue(Key, out var boxed) && boxed is CacheItem found && found.ValueType == typeof(ProductSummary) ? found : null;

    /// <summary>IsInvalidatedLocally when no tag was ever invalidated.</summary>
    [Benchmark]
    public bool LocalTagCheck() => _item.CreatedUtcTicks <= Volatile.Read(ref _allTagsInvalidatedAt) || _item.Tags.Length != 0;

    /// <summary>CacheClock.NowMs (Environment.TickCount64 for the system clock).</summary>
    [Benchmark]
    public long ClockNowMs() => _clock.NowMs();

    /// <summary>The clock MemoryCache reads on every TryGetValue (it has no cheaper one).</summary>
    [Benchmark]
    public DateTime DateTimeUtcNow() => DateTime.UtcNow;

    /// <summary>MemoryCache's underlying store without its expiry bookkeeping: a ConcurrentDictionary lookup.</summary>
    [Benchmark]
    public object? ConcurrentDictionaryLookup() => _dictionary.TryGetValue(Key, out var value) ? value : null;

    /// <summary>The L1 hit counter with no listener: an Enabled check.</summary>
    [Benchmark]
    public void HitCounterUnobserved() => _instruments.L1Hit();

    /// <summary>CacheItem.GetValue for a kept instance, wrapped in a ValueTask and unwrapped as the caller does.</summary>
    [Benchmark]
    public ProductSummary GetValueThroughValueTask()
    {
        var pending = new ValueTask<ProductSummary>(_item.GetValue<ProductSummary>());
        return pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException();
    }

    /// <summary>Mutable: the whole hit (lookup + deserialize a copy), as in EngineBenchmarks.L1HitMutable.</summary>
    [Benchmark]
    public ProductDetails MutableEngineHit()
    {
        var pending = _cache.GetOrCreateAsync(MutableKey, this, s_mutableFactory);
        return pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException();
    }

    /// <summary>Mutable: CacheItem.GetValue alone (interface cast + ReadOnlySequence + the engine's JSON serializer).</summary>
    [Benchmark]
    public ProductDetails MutableCacheItemGetValue() => _mutableItem.GetValue<ProductDetails>();

    /// <summary>Mutable: the engine's serializer on the same bytes, called directly.</summary>
    [Benchmark]
    public ProductDetails MutableSerializerDeserialize() => _serializer.Deserialize(new ReadOnlySequence<byte>(_payload));

    /// <summary>Mutable: System.Text.Json with the same JsonTypeInfo, from a span: the floor.</summary>
    [Benchmark]
    public ProductDetails MutableJsonTypeInfoDeserialize() => JsonSerializer.Deserialize(_payload, _typeInfo)!;

    /// <summary>
    /// Proposal A, same MemoryCache: only the length check before the lookup (a key found in L1 was validated when it
    /// was stored; the character scans can run on the miss path), no castclass after the ValueType check, and the
    /// hit path as one small method instead of the 7-argument GetOrCreateCoreAsync.
    /// </summary>
    [Benchmark]
    public ProductSummary ProposedHitMemoryCache()
        => TryHitMemoryCache<ProductSummary>(Key, out var value) ? value : throw new InvalidOperationException();

    /// <summary>Proposal B: as A, but L1 a ConcurrentDictionary of CacheItem (no MemoryCache clock read or bookkeeping).</summary>
    [Benchmark]
    public ProductSummary ProposedHitDictionary()
        => TryHitDictionary<ProductSummary>(Key, out var value) ? value : throw new InvalidOperationException();

    // Generic and not inlined, like the engine, so reference-type T runs as shared (__Canon) code as it does there.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryHitMemoryCache<T>(string key, out T value)
    {
        if (key.Length <= 1024 && _engineL1.TryGetValue(key, out var boxed) && boxed is CacheItem item)
        {
            return TryTake(item, out value);
        }

        value = default!;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryHitDictionary<T>(string key, out T value)
    {
        if (key.Length <= 1024 && _itemDictionary.TryGetValue(key, out var item))
        {
            return TryTake(item, out value);
        }

        value = default!;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTake<T>(CacheItem item, out T value)
    {
        if (item.ValueType == typeof(T)
            && item.HasInstance
            && item.CreatedUtcTicks > Volatile.Read(ref _allTagsInvalidatedAt)
            && item.Tags.Length == 0
            && _clock.NowMs() < item.FreshUntilMs)
        {
            _instruments.L1Hit();
            var instance = item.Instance;
            value = typeof(T).IsValueType ? (T)instance! : Unsafe.As<object?, T>(ref instance);
            return true;
        }

        value = default!;
        return false;
    }

    // Copied from DefaultHybridCache.IsValidKey (the accepted path; rejection logging omitted).
    private static bool IsValidKey(string key, int maxKeyLength)
        => key.Length != 0
            && key.Length <= maxKeyLength
            && !key.AsSpan().ContainsAnyInRange('\0', '\u001F')
            && !key.Contains('\u007F', StringComparison.Ordinal)
            && !key.StartsWith(DefaultHybridCache.ReservedPrefix, StringComparison.Ordinal);
}
