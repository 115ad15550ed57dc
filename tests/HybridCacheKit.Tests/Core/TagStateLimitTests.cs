using HybridCacheKit.Diagnostics;
using HybridCacheKit.Internal;
using HybridCacheKit.Tests.Behaviour;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.Tests.Core;

/// <summary>
/// A flood of distinct invalidated tags (one per id taken from request input, say) must not grow an instance's memory
/// without bound, and dropping the per-tag records must never let an invalidated entry be served again.
/// </summary>
public sealed class TagStateLimitTests
{
    private const int Limit = 50;

    [Fact]
    public async Task Flood_of_distinct_tags_keeps_tracked_states_at_or_under_the_limit()
    {
        using var sut = CacheUnderTest.Create();
        var engine = Limited(sut);

        for (var i = 0; i < Limit * 10; i++)
        {
            await sut.Cache.RemoveByTagAsync($"flood:{i}");
            Assert.True(engine.TrackedTagStatesForTests <= Limit, $"{engine.TrackedTagStatesForTests} states after {i + 1} tags");
        }

        Assert.Equal(9, sut.Metrics.Count(HybridCacheKitDiagnostics.TagStateCompactions));
        var log = Assert.Single(sut.Logs.WithEventId(1018).Take(1));
        Assert.False(log.Mentions("flood:"), "the compaction log must not name tags");
    }

    [Fact]
    public async Task Entry_invalidated_before_the_states_were_dropped_stays_invalid()
    {
        using var sut = CacheUnderTest.Create();
        Limited(sut);
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(Interlocked.Increment(ref runs));

        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("victim", Factory, tags: ["product:7"]));
        await sut.Cache.RemoveByTagAsync("product:7");
        await FloodPastLimitAsync(sut.Cache);

        // The record of "product:7" is gone; the overflow stamp must still cover the old L1 copy.
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("victim", Factory, tags: ["product:7"]));
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("victim", Factory, tags: ["product:7"]));
    }

    [Fact]
    public async Task Untagged_entries_survive_a_compaction_and_new_entries_are_hits_again()
    {
        using var sut = CacheUnderTest.Create();
        Limited(sut);
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(Interlocked.Increment(ref runs));

        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("untagged", Factory));
        await FloodPastLimitAsync(sut.Cache);
        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("untagged", Factory));

        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("tagged-after", Factory, tags: ["t"]));
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("tagged-after", Factory, tags: ["t"]));
    }

    [Fact]
    public async Task Tagged_entry_created_before_a_compaction_is_recomputed_once_then_served_from_L1()
    {
        using var sut = CacheUnderTest.Create();
        Limited(sut);
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(Interlocked.Increment(ref runs));

        Assert.Equal(1, await sut.Cache.GetOrCreateAsync("kept", Factory, tags: ["never-invalidated"]));
        await FloodPastLimitAsync(sut.Cache);

        // Conservative: the overflow stamp cannot tell which tags it stands for, so the entry is recomputed once.
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("kept", Factory, tags: ["never-invalidated"]));
        Assert.Equal(2, await sut.Cache.GetOrCreateAsync("kept", Factory, tags: ["never-invalidated"]));
    }

    [Fact]
    public async Task Entry_read_from_L2_after_a_compaction_is_validated_there_and_then_served_from_L1()
    {
        var l2 = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var writer = CacheUnderTest.Create(l2: l2);
        using var reader = CacheUnderTest.Create(l2: l2);
        Limited(reader);
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(Interlocked.Increment(ref runs));

        Assert.Equal(1, await writer.Cache.GetOrCreateAsync("shared", Factory, tags: ["catalog"]));
        await FloodPastLimitAsync(reader.Cache);

        // Created (by the writer) long before the compaction, but validated against L2's tag records after it.
        Assert.Equal(1, await reader.Cache.GetOrCreateAsync("shared", Factory, tags: ["catalog"]));
        Assert.Equal(1, await reader.Cache.GetOrCreateAsync("shared", Factory, tags: ["catalog"]));
        var l1Hits = reader.Metrics.Of(HybridCacheKitDiagnostics.Hits).Count(m => m.HasTag(HybridCacheKitDiagnostics.TierTag, "l1"));
        Assert.Equal(1, l1Hits);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task Invalidation_in_L2_made_by_another_instance_is_still_honoured_after_a_compaction()
    {
        var l2 = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var writer = CacheUnderTest.Create(l2: l2);
        using var reader = CacheUnderTest.Create(l2: l2, configure: o => o.DefaultEntryOptions = new HybridCacheEntryOptions { LocalCacheExpiration = TimeSpan.FromMilliseconds(1) });
        Limited(reader);
        var runs = 0;
        ValueTask<int> Factory(CancellationToken _) => ValueTask.FromResult(Interlocked.Increment(ref runs));

        Assert.Equal(1, await writer.Cache.GetOrCreateAsync("shared", Factory, tags: ["catalog"]));
        await FloodPastLimitAsync(reader.Cache);
        await writer.Cache.RemoveByTagAsync("catalog");
        await Task.Delay(5); // let the reader's 1 ms L1 lifetime pass so it must go to L2

        Assert.Equal(2, await reader.Cache.GetOrCreateAsync("shared", Factory, tags: ["catalog"]));
    }

    private static DefaultHybridCache Limited(CacheUnderTest sut)
    {
        var engine = (DefaultHybridCache)sut.Cache;
        engine.MaxTrackedTags = Limit;
        return engine;
    }

    private static async Task FloodPastLimitAsync(HybridCache cache)
    {
        for (var i = 0; i <= Limit; i++)
        {
            await cache.RemoveByTagAsync($"flood:{i}");
        }
    }
}
