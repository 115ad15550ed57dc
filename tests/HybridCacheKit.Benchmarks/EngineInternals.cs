using HybridCacheKit.Internal;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Benchmarks;

/// <summary>Reads the engine's L1 so benchmarks can check they time the real entries.</summary>
internal static class EngineInternals
{
    public static CacheItem L1Item(HybridCache cache, string key)
        => ((DefaultHybridCache)cache).PeekL1(key) ?? throw new InvalidOperationException($"No L1 entry for '{key}'.");
}
