using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Xunit;

namespace HybridCacheKit.TestUtilities.Contracts;

// Tag invalidation across instances: an invalidation made by A reaches B through the L2 tag records, as soon as B's
// own L1 copy has expired (there is no backplane here), and never earlier than B's next L2 read.
public abstract partial class HybridCacheL2ContractTests
{
    /// <summary>The L2 key of a tag's invalidation record (docs/wire-format.md, engine spec "Tags").</summary>
    /// <param name="tag">The tag.</param>
    /// <returns>The key.</returns>
    protected static string TagRecordKey(string tag) => "__hck:tag:" + tag;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTagAsync_OnOneInstance_OtherInstanceServesLocalCopyUntilItExpiresThenMisses(bool wildcard)
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var tag = NewTag();
        var factory = new CountingFactory<string>(n => $"b{n}");
        await a.SetAsync(key, "from-a", ShortLocal, [tag]);
        Assert.Equal("from-a", await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal, [tag]));

        await a.RemoveByTagAsync(wildcard ? "*" : tag);
        var beforeExpiry = await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal, [tag]);
        ExpireLocalCopies();
        var afterExpiry = await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal, [tag]);
        var again = await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal, [tag]);

        Assert.Equal("from-a", beforeExpiry);
        Assert.Equal("b1", afterExpiry);
        Assert.Equal("b1", again);
        Assert.Equal(1, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTagAsync_OnOneInstance_OtherInstanceWithoutLocalReadMissesAtOnce(bool wildcard)
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var tag = NewTag();
        var factory = new CountingFactory<string>(n => $"b{n}");
        await a.SetAsync(key, "from-a", tags: [tag]);
        Assert.Equal("from-a", await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead), [tag]));

        await a.RemoveByTagAsync(wildcard ? "*" : tag);
        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead), [tag]);

        Assert.Equal("b1", value);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task RemoveByTagAsync_Wildcard_InvalidatesUntaggedEntriesForOtherInstance()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var factory = new CountingFactory<string>("b");
        await a.SetAsync(key, "from-a");

        await a.RemoveByTagAsync("*");
        var lookup = await b.TryGetAsync<string>(key);
        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.False(lookup.Found);
        Assert.Equal("b", value);
        Assert.Equal(1, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTagAsync_EntryCreatedAfterInvalidation_IsServedByBothInstances(bool wildcard)
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var tag = NewTag();
        await a.SetAsync(key, "old", ShortLocal, [tag]);
        await a.RemoveByTagAsync(wildcard ? "*" : tag);
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var factoryA = new CountingFactory<string>("a");
        var factoryB = new CountingFactory<string>("b");

        var created = await b.GetOrCreateAsync(key, factoryB.InvokeAsync, ShortLocal, [tag]);
        var fromA = await a.GetOrCreateAsync(key, factoryA.InvokeAsync, ShortLocal, [tag]);
        ExpireLocalCopies();
        var fromAViaL2 = await a.GetOrCreateAsync(key, factoryA.InvokeAsync, ShortLocal, [tag]);
        var fromBViaL2 = await b.GetOrCreateAsync(key, factoryB.InvokeAsync, ShortLocal, [tag]);

        Assert.Equal(new[] { "b", "b", "b", "b" }, new[] { created, fromA, fromAViaL2, fromBViaL2 });
        Assert.Equal(1, factoryB.Calls);
        Assert.Equal(0, factoryA.Calls);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task RemoveByTagAsync_AnyOneOfSeveralTags_OtherInstanceMisses(int invalidated)
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        string[] tags = [NewTag("first"), NewTag("second"), NewTag("third")];
        var untouchedKey = NewKey("untouched");
        var untouchedTag = NewTag("untouched");
        await a.SetAsync(key, "from-a", tags: tags);
        await a.SetAsync(untouchedKey, "untouched", tags: [untouchedTag]);
        var factory = new CountingFactory<string>("b");

        await a.RemoveByTagAsync(tags[invalidated]);
        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync, tags: tags);
        var untouched = await b.GetOrCreateAsync(untouchedKey, factory.InvokeAsync, tags: [untouchedTag]);

        Assert.Equal("b", value);
        Assert.Equal("untouched", untouched);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task RemoveByTagAsync_ManyTags_OtherInstanceMissesEntriesOfEach()
    {
        var (a, b, _) = await CreatePairAsync();
        var (key1, key2, key3) = (NewKey("one"), NewKey("two"), NewKey("three"));
        var (tag1, tag2, tag3) = (NewTag("one"), NewTag("two"), NewTag("three"));
        await a.SetAsync(key1, "a1", tags: [tag1]);
        await a.SetAsync(key2, "a2", tags: [tag2]);
        await a.SetAsync(key3, "a3", tags: [tag3]);

        await a.RemoveByTagAsync([tag1, tag2]);

        Assert.False((await b.TryGetAsync<string>(key1)).Found);
        Assert.False((await b.TryGetAsync<string>(key2)).Found);
        Assert.Equal("a3", (await b.TryGetAsync<string>(key3)).Value);
    }

    [Fact]
    public async Task RemoveByTagAsync_OnOneInstance_TryGetOnOtherInstanceNotFound()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var tag = NewTag();
        await a.SetAsync(key, "from-a", tags: [tag]);
        Assert.True((await b.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableLocalCacheRead))).Found);

        await a.RemoveByTagAsync(tag);

        Assert.False((await b.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableLocalCacheRead))).Found);
    }

    [Fact]
    public async Task GetOrCreateAsync_CorruptedTagRecord_TreatedAsInvalidatedAndRewritten()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        var tag = NewTag();
        await a.SetAsync(key, "from-a", tags: [tag]);
        await l2.SetAsync(TagRecordKey(tag), [0xDE, 0xAD, 0xBE, 0xEF], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = EntryLifetime });
        var factory = new CountingFactory<string>(n => $"b{n}");

        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync, tags: [tag]);
        var record = await l2.GetAsync(TagRecordKey(tag));
        var fromA = await a.GetOrCreateAsync(key, new CountingFactory<string>("a").InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead), [tag]);

        Assert.Equal("b1", value);
        Assert.Equal(1, factory.Calls);
        Assert.NotNull(record);
        Assert.Equal(9, record.Length);
        Assert.Equal(1, record[0]);
        Assert.Equal("b1", fromA);
    }
}
