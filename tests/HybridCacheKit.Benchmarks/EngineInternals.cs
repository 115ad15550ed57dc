using System.Reflection;
using HybridCacheKit.Internal;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;

namespace HybridCacheKit.Benchmarks;

/// <summary>Reads the engine's private L1 so benchmarks can time its steps on the real entries. Fails loudly if the engine changes shape.</summary>
internal static class EngineInternals
{
    public static MemoryCache L1(HybridCache cache)
        => (MemoryCache)(typeof(DefaultHybridCache).GetField("_l1", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(cache)
            ?? throw new InvalidOperationException("DefaultHybridCache._l1 not found: update EngineInternals."));

    public static CacheItem L1Item(HybridCache cache, string key)
        => L1(cache).Get(key) as CacheItem ?? throw new InvalidOperationException($"No L1 entry for '{key}'.");
}
