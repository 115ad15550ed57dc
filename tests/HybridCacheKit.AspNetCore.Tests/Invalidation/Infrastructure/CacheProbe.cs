using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>
/// Observes invalidation through the cache's public API only: an entry is seeded with a factory; it is "still cached"
/// when a later GetOrCreateAsync returns it without running its factory.
/// </summary>
internal static class CacheProbe
{
    /// <summary>Long enough that nothing expires during a test: only an invalidation makes the factory run again.</summary>
    public static readonly HybridCacheEntryOptions LongLived = new() { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) };

    public static async Task SeedAsync(HybridCache cache, string key, params string[] tags)
    {
        var value = await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult("seeded:" + key), LongLived, tags);
        Assert.Equal("seeded:" + key, value);
        Assert.True(await IsCachedAsync(cache, key, tags), $"'{key}' was not cached right after seeding.");
    }

    /// <summary>True when the entry is served without running the factory. A miss re-seeds it (the factory's value is cached).</summary>
    public static async Task<bool> IsCachedAsync(HybridCache cache, string key, params string[] tags)
    {
        var ran = false;
        var value = await cache.GetOrCreateAsync(
            key,
            _ =>
            {
                ran = true;
                return ValueTask.FromResult("seeded:" + key);
            },
            LongLived,
            tags);
        Assert.Equal("seeded:" + key, value);
        return !ran;
    }
}
