using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.L2;

/// <summary>
/// A tag's record in L2 holds the time of its latest invalidation, and instances that did not hear the invalidation's
/// message (started later, no backplane, lost messages) rely on it. Before, the record was last-writer-wins: an
/// invalidation stamped lower (its instance's clock behind) written after a higher one lowered the record, and entries
/// the higher one covered came back for every such instance.
/// </summary>
public sealed class TagRecordOrderTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HybridCacheEntryOptions s_options = new() { Expiration = TimeSpan.FromHours(1) };

    [Fact]
    public async Task RemoveByTagAsync_LowerStampWrittenAfterAHigherOne_RecordKeepsTheHigherStamp()
    {
        var l2 = new BufferDistributedCache(new FakeTimeProvider(s_start));
        using var ahead = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(100)), l2: l2);
        using var behind = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(80)), l2: l2);
        using var writer = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(90)), l2: l2);

        // Created at 90; invalidated at 100 by one instance, then (later, in real time) at 80 by one whose clock is behind.
        await writer.Cache.SetAsync("key", "old", s_options, ["t"]);
        await ahead.Cache.RemoveByTagAsync("t");
        await behind.Cache.RemoveByTagAsync("t");

        using var reader = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(110)), l2: l2);
        Assert.Equal("fresh", await reader.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_options, ["t"]));
    }

    [Fact]
    public async Task RemoveByTagAsync_HigherStampAfterALowerOne_RecordRises()
    {
        var l2 = new BufferDistributedCache(new FakeTimeProvider(s_start));
        using var early = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(80)), l2: l2);
        using var writer = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(90)), l2: l2);
        using var late = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(100)), l2: l2);

        await early.Cache.RemoveByTagAsync("t");
        await writer.Cache.SetAsync("key", "old", s_options, ["t"]);
        await late.Cache.RemoveByTagAsync("t");

        using var reader = CacheUnderTest.Create(time: new FakeTimeProvider(s_start.AddSeconds(110)), l2: l2);
        Assert.Equal("fresh", await reader.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_options, ["t"]));
    }
}
