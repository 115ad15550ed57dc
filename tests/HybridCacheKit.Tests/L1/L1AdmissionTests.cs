using HybridCacheKit.Internal;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.L1;

/// <summary>
/// L1 admission: with a size limit and an L2, a nearly full L1 (at least 80% of its limit) takes in a key that is not
/// in it yet only if the key was used at least twice recently, so one-off reads and scans cannot push hot entries out.
/// </summary>
public sealed class L1AdmissionTests
{
    private const int Payload = 1_000;            // an item of this payload is charged 1,160 bytes
    private const long Limit = 10_000;            // 80% = 8,000 bytes: six such items fit under it, a seventh does not
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Sketch_CountsSaturatesAtFifteenAndHalvesWhenAged()
    {
        var sketch = new FrequencySketch(1_024);
        for (var i = 0; i < 3; i++)
        {
            sketch.Increment("a");
        }

        Assert.Equal(3, sketch.Estimate("a"));
        Assert.Equal(0, sketch.Estimate("never-seen"));

        for (var i = 0; i < 20; i++)
        {
            sketch.Increment("a");
        }

        Assert.Equal(15, sketch.Estimate("a"));
        sketch.Age();
        Assert.Equal(7, sketch.Estimate("a"));
    }

    [Fact]
    public void Sketch_AfterTenTimesItsWidthInIncrements_AgesByItself()
    {
        var sketch = new FrequencySketch(1_024);
        for (var i = 0; i < 8; i++)
        {
            sketch.Increment("old");
        }

        // Other keys until the count of increments wraps: that increment halved every counter.
        var aged = false;
        for (var i = 0; i < 20 * sketch.Width && !aged; i++)
        {
            var before = sketch.Estimate("old");
            var additions = sketch.Additions;
            sketch.Increment("k" + i);
            if (sketch.Additions < additions)
            {
                aged = true;
                Assert.Equal((10 * sketch.Width) - 1, additions);
                Assert.InRange(sketch.Estimate("old"), 0, (before + 1) / 2);
            }
        }

        Assert.True(aged, "The sketch never aged.");
    }

    [Fact]
    public void Sketch_IncrementsOfASaturatedKey_DoNotCountTowardsAging()
    {
        var sketch = new FrequencySketch(1_024);
        for (var i = 0; i < 100; i++)
        {
            sketch.Increment("hot");
        }

        Assert.Equal(15, sketch.Estimate("hot"));
        Assert.Equal(15, sketch.Additions);
    }

    [Fact]
    public void Set_NearlyFullTier_NewKeyUsedOnceIsLeftOutAndTheResidentsStay()
    {
        var store = CreateStore(admission: true);
        FillToJustUnderTheTarget(store);

        store.Set("cold", Item(), recordAccess: true);

        Assert.Null(store.Peek("cold"));
        Assert.Equal(1, store.AdmissionRejections);
        Assert.All(Enumerable.Range(0, 6), i => Assert.NotNull(store.Peek("hot" + i)));
    }

    [Fact]
    public void Set_NearlyFullTier_KeyUsedTwiceIsAdmitted()
    {
        var store = CreateStore(admission: true);
        FillToJustUnderTheTarget(store);

        // A lookup that misses counts as a use; the fill after it does not count again.
        Assert.False(store.TryGet("warm", out _, NowMs()));
        store.Set("warm", Item());
        Assert.Null(store.Peek("warm"));
        Assert.False(store.TryGet("warm", out _, NowMs()));
        store.Set("warm", Item());

        Assert.NotNull(store.Peek("warm"));
    }

    [Fact]
    public void Set_NearlyFullTier_AKeyAlreadyHeldIsAlwaysReplaced()
    {
        var store = CreateStore(admission: true);
        FillToJustUnderTheTarget(store);
        var replacement = Item();

        store.Set("hot0", replacement, recordAccess: true);

        Assert.Same(replacement, store.Peek("hot0"));
        Assert.Equal(0, store.AdmissionRejections);
    }

    [Fact]
    public void Set_WithoutAdmission_EveryValueIsStored()
    {
        var store = CreateStore(admission: false);
        FillToJustUnderTheTarget(store);

        store.Set("cold", Item(), recordAccess: true);

        Assert.False(store.HasAdmission);
        Assert.NotNull(store.Peek("cold"));
        Assert.Equal(0, store.AdmissionRejections);
    }

    [Fact]
    public async Task GetOrCreateAsync_WithAnL2_AScanOfColdKeysLeavesTheHotKeysInL1()
    {
        await using var provider = BuildCache(withL2: true, out var cache);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("hot" + i, (await GetAsync(cache, "hot" + i)).TrimEnd('.'));
            }
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal("cold" + i, (await GetAsync(cache, "cold" + i)).TrimEnd('.'));
        }

        Assert.All(Enumerable.Range(0, 20), i => Assert.NotNull(cache.PeekL1("hot" + i)));
        Assert.True(cache.L1AdmissionRejectionsForTests > 400, $"{cache.L1AdmissionRejectionsForTests} cold values were left out.");
        Assert.True(cache.L1SizeForTests <= 64 * 1024);

        // Left out of L1 only: a cold key is still served from L2 (its factory does not run again).
        Assert.Equal("cold499", (await cache.GetOrCreateAsync("cold499", _ => ValueTask.FromResult("recomputed"))).TrimEnd('.'));
    }

    [Fact]
    public async Task GetOrCreateAsync_WithoutAnL2_EveryValueEntersL1()
    {
        await using var provider = BuildCache(withL2: false, out var cache);
        for (var i = 0; i < 500; i++)
        {
            await GetAsync(cache, "cold" + i);
        }

        // L1 is the only copy here: nothing is left out (the size limit is kept by eviction).
        Assert.Equal(0, cache.L1AdmissionRejectionsForTests);
        Assert.NotNull(cache.PeekL1("cold499"));
        Assert.True(cache.L1SizeForTests <= 64 * 1024);
    }

    private static ServiceProvider BuildCache(bool withL2, out DefaultHybridCache cache)
    {
        var services = new ServiceCollection();
        if (withL2)
        {
            services.AddDistributedMemoryCache();
        }

        services.AddHybridCacheKit(o => o.LocalCacheSizeLimitBytes = 64 * 1024);
        var provider = services.BuildServiceProvider();
        cache = (DefaultHybridCache)provider.GetRequiredService<HybridCache>();
        return provider;
    }

    /// <summary>A ~1 KB string value (strings are kept in L1 as instances, charged their serialized size).</summary>
    private static async Task<string> GetAsync(DefaultHybridCache cache, string key)
        => await cache.GetOrCreateAsync(key, key, static (k, _) => ValueTask.FromResult(k + new string('.', Payload)));

    private void FillToJustUnderTheTarget(L1Store store)
    {
        for (var i = 0; i < 6; i++)
        {
            store.Set("hot" + i, Item(), recordAccess: true);
        }

        Assert.Equal(6 * 1_160, store.Size);
    }

    private L1Store CreateStore(bool admission) => new(new CacheClock(_time), Limit, TimeSpan.FromSeconds(10), admission);

    private long NowMs() => new CacheClock(_time).NowMs();

    private CacheItem Item()
    {
        var now = NowMs();
        return new CacheItem(typeof(byte[]), false, null, new byte[Payload], null, 1, 2, 0, [], now + 60_000, now + 60_000, now + 60_000);
    }
}
