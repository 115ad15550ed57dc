using System.Reflection;
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

    private static readonly Func<L1HitBreakdownBenchmarks, CancellationToken, ValueTask<ProductSummary>> s_factory =
        static (self, _) => new ValueTask<ProductSummary>(self._summary);

    private static readonly Func<int, CancellationToken, ValueTask<int>> s_intFactory = static (state, _) => new ValueTask<int>(state);

    private readonly ProductSummary _summary = new(42, "Espresso machine", 249.90m);
    private readonly CacheClock _clock = new(TimeProvider.System);
    private readonly CacheInstruments _instruments = new(meterFactory: null);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _dictionary = new(StringComparer.Ordinal);

    private MemoryCache _raw = null!;
    private MemoryCache _rawWithExpiry = null!;
    private ServiceProvider _services = null!;
    private HybridCache _cache = null!;
    private MemoryCache _engineL1 = null!;
    private CacheItem _item = null!;
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

        _engineL1 = (MemoryCache)typeof(DefaultHybridCache).GetField("_l1", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(_cache)!;
        _item = (CacheItem)_engineL1.Get(Key)!;
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

    // Copied from DefaultHybridCache.IsValidKey (the accepted path; rejection logging omitted).
    private static bool IsValidKey(string key, int maxKeyLength)
        => key.Length != 0
            && key.Length <= maxKeyLength
            && !key.AsSpan().ContainsAnyInRange('\0', '\u001F')
            && !key.Contains('\u007F', StringComparison.Ordinal)
            && !key.StartsWith(DefaultHybridCache.ReservedPrefix, StringComparison.Ordinal);
}
