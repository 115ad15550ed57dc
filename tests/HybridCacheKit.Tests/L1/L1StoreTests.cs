using HybridCacheKit.Internal;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.L1;

public sealed class L1StoreTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Set_ReplacingAnItem_AccountsOnlyTheNewSize()
    {
        using var store = CreateStore(sizeLimit: null);
        store.Set("a", Item(payloadBytes: 100));
        var sizeOfOne = store.Size;

        store.Set("a", Item(payloadBytes: 300));

        Assert.Equal(1, store.Count);
        Assert.Equal(sizeOfOne + 200, store.Size);
    }

    [Fact]
    public void Remove_AndClear_ReturnSizeToZero()
    {
        using var store = CreateStore(sizeLimit: null);
        store.Set("a", Item(100));
        store.Set("b", Item(100));
        store.Set("c", Item(100));

        Assert.True(store.Remove("a"));
        Assert.False(store.Remove("a"));
        store.Clear();

        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.Size);
    }

    [Fact]
    public void Remove_WithAnOlderItem_KeepsTheNewerOne()
    {
        using var store = CreateStore(sizeLimit: null);
        var older = Item(10);
        var newer = Item(10);
        store.Set("k", older);
        store.Set("k", newer);

        store.Remove("k", older);

        Assert.True(store.TryGet("k", out var held, 0));
        Assert.Same(newer, held);
    }

    [Fact]
    public void Sweep_DropsItemsPastTheirHoldTime_WhenTheTimerFires()
    {
        using var store = CreateStore(sizeLimit: null);
        store.Set("short", Item(10, holdForMs: 1_000));
        store.Set("long", Item(10, holdForMs: 60_000));

        _time.Advance(TimeSpan.FromSeconds(11)); // past one sweep interval (10 s)

        Assert.False(store.TryGet("short", out _, 0));
        Assert.True(store.TryGet("long", out _, 0));
    }

    [Fact]
    public void Set_OverTheSizeLimit_EvictsLeastRecentlyUsedFirst()
    {
        var itemSize = Item(1_000).Size;
        using var store = CreateStore(sizeLimit: itemSize * 10);
        for (var i = 0; i < 10; i++)
        {
            store.Set("k" + i, Item(1_000));
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        // Touch k0 so it becomes the most recently used.
        Assert.True(store.TryGet("k0", out _, NowMs()));
        _time.Advance(TimeSpan.FromSeconds(2));

        store.Set("k10", Item(1_000));

        Assert.True(store.Size <= itemSize * 10);
        Assert.True(store.TryGet("k0", out _, NowMs()));
        Assert.True(store.TryGet("k10", out _, NowMs()));
        Assert.False(store.TryGet("k1", out _, NowMs()));
    }

    [Fact]
    public void Set_OverTheSizeLimit_RanksStoresToTheMillisecond()
    {
        var itemSize = Item(1_000).Size;
        using var store = CreateStore(sizeLimit: itemSize * 10);
        for (var i = 0; i < 10; i++)
        {
            store.Set("k" + i, Item(1_000));
            _time.Advance(TimeSpan.FromMilliseconds(3));
        }

        store.Set("k10", Item(1_000));

        // Down to 80% of the limit: the three oldest go, in age order, although all were stored within 30 ms.
        Assert.Equal(8, store.Count);
        Assert.False(store.TryGet("k0", out _, NowMs()));
        Assert.False(store.TryGet("k1", out _, NowMs()));
        Assert.False(store.TryGet("k2", out _, NowMs()));
        Assert.True(store.TryGet("k3", out _, NowMs()));
        Assert.True(store.TryGet("k10", out _, NowMs()));
    }

    [Fact]
    public void Set_OverTheSizeLimit_DropsExpiredItemsBeforeLiveOnes()
    {
        var itemSize = Item(1_000).Size;
        using var store = CreateStore(sizeLimit: itemSize * 10);
        for (var i = 0; i < 9; i++)
        {
            store.Set("k" + i, Item(1_000));
        }

        // The most recently stored item, but past its hold time when the limit is crossed.
        _time.Advance(TimeSpan.FromSeconds(1));
        store.Set("expiring", Item(1_000, holdForMs: 500));
        _time.Advance(TimeSpan.FromSeconds(1));

        store.Set("k9", Item(1_000));

        Assert.False(store.TryGet("expiring", out _, NowMs()));
        Assert.Equal(8, store.Count); // the expired one, then two of the oldest live ones, down to 80%
        Assert.True(store.TryGet("k9", out _, NowMs()));
    }

    [Fact]
    public void Set_OverTheSizeLimitWithEverythingTheSameAge_NeverEvictsTheItemJustStored()
    {
        var itemSize = Item(1_000).Size;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var store = CreateStore(sizeLimit: itemSize * 10);
            for (var i = 0; i < 10; i++)
            {
                store.Set($"a{attempt}-k{i}", Item(1_000));
            }

            var last = $"a{attempt}-last";
            store.Set(last, Item(1_000));

            Assert.True(store.TryGet(last, out _, NowMs()), $"attempt {attempt}: the item just stored was evicted");
            Assert.Equal(8, store.Count);
        }
    }

    [Fact]
    public void Set_ItemLargerThanTheWholeLimit_IsNotStored()
    {
        using var store = CreateStore(sizeLimit: 500);
        store.Set("big", Item(1_000));

        Assert.False(store.TryGet("big", out _, 0));
        Assert.Equal(0, store.Size);
    }

    [Fact]
    public void Set_ItemLargerThanAFifthOfTheLimit_IsNotStoredAndEvictsNothing()
    {
        // Compaction frees the top fifth of the tier: an item larger than that used to be admitted and push every
        // other item out, at every store of such a value.
        using var store = CreateStore(sizeLimit: 100_000);
        for (var i = 0; i < 50; i++)
        {
            store.Set("small" + i, Item(1_000));
        }

        var before = store.Size;
        store.Set("big", Item(85_000));

        Assert.False(store.TryGet("big", out _, NowMs()));
        Assert.Equal(50, store.Count);
        Assert.Equal(before, store.Size);
    }

    [Fact]
    public void Set_ItemJustUnderAFifthOfTheLimit_IsStored()
    {
        using var store = CreateStore(sizeLimit: 100_000);
        store.Set("fits", Item(19_000));

        Assert.True(store.TryGet("fits", out _, NowMs()));
    }

    [Fact]
    public async Task GetOrCreateAsync_WithLocalCacheSizeLimit_KeepsL1WithinTheLimit()
    {
        const long limit = 64 * 1024;
        var services = new ServiceCollection();
        services.AddHybridCacheKit(o => o.LocalCacheSizeLimitBytes = limit);
        await using var provider = services.BuildServiceProvider();
        var cache = (DefaultHybridCache)provider.GetRequiredService<HybridCache>();

        for (var i = 0; i < 2_000; i++)
        {
            // Mutable type: L1 holds its serialized bytes (~1 KB each), so the size is charged by payload.
            await cache.GetOrCreateAsync("k" + i, ct => ValueTask.FromResult(new List<string> { new('x', 1_000) }));
        }

        Assert.True(cache.L1SizeForTests <= limit, $"L1 holds {cache.L1SizeForTests} bytes, over the {limit}-byte limit.");
        Assert.True(cache.L1SizeForTests > limit / 2, "Compaction should keep L1 reasonably full, not empty it.");
    }

    [Fact]
    public async Task GetOrCreateAsync_ImmutableValuesWithAnL2_AreChargedTheirSerializedSize()
    {
        // Immutable values are kept as instances (no payload in L1); the cap must still count what they weigh, or
        // LocalCacheSizeLimitBytes bounds nothing but the per-entry overhead.
        const long limit = 64 * 1024;
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddHybridCacheKit(o => o.LocalCacheSizeLimitBytes = limit);
        await using var provider = services.BuildServiceProvider();
        var cache = (DefaultHybridCache)provider.GetRequiredService<HybridCache>();

        for (var i = 0; i < 2_000; i++)
        {
            await cache.GetOrCreateAsync("k" + i, ct => ValueTask.FromResult(new ImmutablePayload(new string('x', 1_000))));
        }

        var resident = Enumerable.Range(0, 2_000).Count(i => cache.PeekL1("k" + i) is not null);
        Assert.True(cache.L1SizeForTests <= limit, $"L1 holds {cache.L1SizeForTests} bytes, over the {limit}-byte limit.");
        Assert.True(resident <= limit / 1_000, $"{resident} values of ~1 KB are held under a {limit}-byte limit: they were charged less than their serialized size.");
        Assert.True(resident > 0);

        // Kept as instances. (Which keys are resident is up to admission: with an L2, a nearly full L1 takes in only
        // keys used at least twice, so the last ones of this one-pass loop are not among them.)
        Assert.All(Enumerable.Range(0, 2_000).Select(i => cache.PeekL1("k" + i)).OfType<CacheItem>(), item => Assert.NotNull(item.Instance));
    }

    [Fact]
    public void Size_OfAnInstanceItem_IncludesTheSerializedSizeItWasGiven()
    {
        var now = NowMs();
        var withSize = new CacheItem(typeof(string), true, "v", null, null, 1, 2, 0, [], now + 1, now + 1, now + 1, serializedSize: 1_000);
        var without = new CacheItem(typeof(string), true, "v", null, null, 1, 2, 0, [], now + 1, now + 1, now + 1);

        Assert.Equal(without.Size + 1_000, withSize.Size);
        Assert.Equal(withSize.Size, withSize.WithFreshness(now + 2, now + 2).Size);
    }

    private L1Store CreateStore(long? sizeLimit) => new(new CacheClock(_time), sizeLimit, TimeSpan.FromSeconds(10));

    private long NowMs() => new CacheClock(_time).NowMs();

    private CacheItem Item(int payloadBytes, long holdForMs = 60_000)
    {
        var now = NowMs();
        return new CacheItem(typeof(byte[]), false, null, new byte[payloadBytes], null, 1, 2, 0, [], now + holdForMs, now + holdForMs, now + holdForMs);
    }
}

[System.ComponentModel.ImmutableObject(true)]
public sealed record ImmutablePayload(string Text);
