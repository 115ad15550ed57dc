using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

/// <summary>
/// An expiration of <see cref="TimeSpan.MaxValue"/> means "never" to most callers. It used to overflow the entry's expiry
/// stamp, which was written negative: L1 did not notice, but every copy read back from L2 was expired, so every other
/// instance ran the factory again; with ExpirationJitter the call threw OverflowException. Expirations are now capped
/// at 10 years.
/// </summary>
public sealed class LongExpirationTests
{
    private static readonly HybridCacheEntryOptions s_forever = new() { Expiration = TimeSpan.MaxValue, LocalCacheExpiration = TimeSpan.MaxValue };

    [Fact]
    public async Task SetAsync_ExpirationMaxValue_AnotherInstanceReadsItFromL2()
    {
        var l2 = new BufferDistributedCache();
        using var a = CacheUnderTest.Create(l2: l2);
        using var b = CacheUnderTest.Create(l2: l2);

        await a.Cache.SetAsync("k", "from-a", s_forever);
        var read = await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("from-b"), s_forever);

        Assert.Equal("from-a", read);
    }

    [Fact]
    public async Task GetOrCreateAsync_ExpirationMaxValueWithJitter_StoresWithoutThrowing()
    {
        using var sut = CacheUnderTest.Create(o => o.ExpirationJitter = TimeSpan.FromMinutes(5), l2: new BufferDistributedCache());

        Assert.Equal("v", await sut.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v"), s_forever));
        Assert.Equal("v", await sut.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("again"), s_forever));
    }

    [Fact]
    public async Task SetAsync_ExpirationMaxValueWithFailSafe_StoresWithoutThrowing()
    {
        var l2 = new BufferDistributedCache();
        using var a = CacheUnderTest.Create(o => o.EnableFailSafe = true, l2: l2);
        using var b = CacheUnderTest.Create(o => o.EnableFailSafe = true, l2: l2);

        await a.Cache.SetAsync("k", "from-a", s_forever);

        Assert.Equal("from-a", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("from-b"), s_forever));
    }
}
