using BenchmarkDotNet.Attributes;
using HybridCacheKit.Benchmarks.Redis;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Benchmarks.AspNetCore;

/// <summary>
/// The output-cache store's hot path against the framework's in-memory store (the baseline), both in process: a hit
/// (<c>GetAsync</c>, what the middleware calls) and a write of a ~2 KB entry. The key is a framework-style key with
/// its control-character separators, which the HybridCacheKit store escapes on every call.
/// </summary>
[MemoryDiagnoser]
public class OutputCacheStoreBenchmarks
{
    private const string Key = "GET\u001eHTTP\u001eLOCALHOST:5000/PRODUCTS/42\u001eQ\u001epage=1";
    private static readonly string[] s_tags = ["products"];
    private readonly byte[] _entry = new byte[2048];
    private ServiceProvider _memory = null!;
    private ServiceProvider _hybrid = null!;
    private IOutputCacheStore _memoryStore = null!;
    private IOutputCacheStore _hybridStore = null!;
    private readonly HybridCacheKit.AspNetCore.OutputCaching.OutputCacheKeyEncoder _encoder = new("outputcache:", 1024);
    private string _encodedKey = null!;
    private Microsoft.Extensions.Caching.Hybrid.HybridCache _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_entry);
        _encodedKey = _encoder.ForEntry(Key);
        var memory = new ServiceCollection().AddOptions();
        memory.AddOutputCache();
        _memory = memory.BuildServiceProvider();
        _memoryStore = _memory.GetRequiredService<IOutputCacheStore>();

        var hybrid = new ServiceCollection().AddOptions();
        hybrid.AddHybridCacheKit();
        hybrid.AddOutputCache().AddHybridCacheKitOutputCacheStore();
        _hybrid = hybrid.BuildServiceProvider();
        _hybridStore = _hybrid.GetRequiredService<IOutputCacheStore>();
        _engine = _hybrid.GetRequiredService<Microsoft.Extensions.Caching.Hybrid.HybridCache>();

        _memoryStore.SetAsync(Key, _entry, s_tags, TimeSpan.FromHours(1), default).AsTask().GetAwaiter().GetResult();
        _hybridStore.SetAsync(Key, _entry, s_tags, TimeSpan.FromHours(1), default).AsTask().GetAwaiter().GetResult();
        RedisEngine.Check(MemoryStoreHit().AsTask().GetAwaiter().GetResult()?.Length == _entry.Length, "the in-memory store must hit");
        RedisEngine.Check(ReferenceEquals(HybridStoreL1Hit().AsTask().GetAwaiter().GetResult(), _entry), "the HybridCacheKit store must hit L1 and return the stored array");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Dispose();
        _hybrid.Dispose();
    }

    [Benchmark(Baseline = true)]
    public ValueTask<byte[]?> MemoryStoreHit() => _memoryStore.GetAsync(Key, default);

    [Benchmark]
    public ValueTask<byte[]?> HybridStoreL1Hit() => _hybridStore.GetAsync(Key, default);

    /// <summary>The key encoding alone (escape and prefix), part of every store call.</summary>
    [Benchmark]
    public string KeyEncodingOnly() => _encoder.ForEntry(Key);

    /// <summary>The engine's L1 read alone, with the encoded key.</summary>
    [Benchmark]
    public async ValueTask<bool> EngineL1HitOnly()
        => (await _engine.TryGetAsync<HybridCacheKit.AspNetCore.OutputCaching.OutputCachePayload>(_encodedKey).ConfigureAwait(false)).Found;

    [Benchmark]
    public ValueTask MemoryStoreSet() => _memoryStore.SetAsync(Key, _entry, s_tags, TimeSpan.FromHours(1), default);

    [Benchmark]
    public ValueTask HybridStoreSet() => _hybridStore.SetAsync(Key, _entry, s_tags, TimeSpan.FromHours(1), default);
}
