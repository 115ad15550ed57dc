using System.Buffers.Binary;
using HybridCacheKit.TestUtilities.Factories;

namespace HybridCacheKit.Tests.Core;

public sealed class SetAndRemoveTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SetAsync_ThenGetOrCreate_ReturnsSetValueWithoutFactory(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<string>("factory");

        await host.Cache.SetAsync(key, "set");
        var value = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("set", value);
        Assert.Equal(0, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SetAsync_ExistingEntry_Overwrites(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<int>(-1);
        Assert.Equal(1, await host.Cache.GetOrCreateAsync(key, new CountingFactory<int>(1).InvokeAsync));

        await host.Cache.SetAsync(key, 2);

        Assert.Equal(2, await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync));
        Assert.Equal(0, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_WithL2_SiblingReadsSetValue()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var factory = new CountingFactory<string>("factory");

        await host.Cache.SetAsync(key, "set");
        var value = await host.CreateSibling().GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("set", value);
        Assert.Equal(0, factory.Calls);
        Assert.NotNull(host.RawL2(key));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveAsync_OneKey_NextCallRunsFactoryAndOtherKeysStay(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var (key, other) = (Keys.New("removed"), Keys.New("kept"));
        await host.Cache.SetAsync(key, "old");
        await host.Cache.SetAsync(other, "other");
        var factory = new CountingFactory<string>("new");

        await host.Cache.RemoveAsync(key);

        Assert.Equal("new", await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync));
        Assert.Equal("other", await host.Cache.GetOrCreateAsync(other, factory.InvokeAsync));
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task RemoveAsync_WithL2_DeletesRawKey()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "value");
        Assert.NotNull(host.RawL2(key));

        await host.Cache.RemoveAsync(key);

        Assert.Null(host.RawL2(key));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveAsync_ManyKeys_RemovesEachAndKeepsOthers(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        string[] removed = [Keys.New("a"), Keys.New("b"), Keys.New("c")];
        var kept = Keys.New("kept");
        foreach (var key in removed.Append(kept))
        {
            await host.Cache.SetAsync(key, "old");
        }

        await host.Cache.RemoveAsync(removed);

        var factory = new CountingFactory<string>("new");
        foreach (var key in removed)
        {
            Assert.Equal("new", await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync));
        }

        Assert.Equal("old", await host.Cache.GetOrCreateAsync(kept, factory.InvokeAsync));
        Assert.Equal(3, factory.Calls);
    }

    [Fact]
    public async Task RemoveAsync_MissingKeyAndEmptyList_DoNothing()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "kept");

        await host.Cache.RemoveAsync(Keys.New("missing"));
        await host.Cache.RemoveAsync(Array.Empty<string>());

        Assert.Equal("kept", (await host.Cache.TryGetAsync<string>(key)).Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTagAsync_OneTag_InvalidatesOnlyEntriesWithThatTag(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var (tagged, otherTagged, untagged) = (Keys.New("tagged"), Keys.New("other"), Keys.New("untagged"));
        await host.Cache.SetAsync(tagged, "old", tags: ["t1", "shared"]);
        await host.Cache.SetAsync(otherTagged, "other", tags: ["t2"]);
        await host.Cache.SetAsync(untagged, "untagged");
        var factory = new CountingFactory<string>("new");

        await host.Cache.RemoveByTagAsync("t1");

        Assert.Equal("new", await host.Cache.GetOrCreateAsync(tagged, factory.InvokeAsync));
        Assert.Equal("other", await host.Cache.GetOrCreateAsync(otherTagged, factory.InvokeAsync));
        Assert.Equal("untagged", await host.Cache.GetOrCreateAsync(untagged, factory.InvokeAsync));
        Assert.Equal(1, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTagAsync_ManyTags_InvalidatesEntriesOfEachTag(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var (k1, k2, k3) = (Keys.New("one"), Keys.New("two"), Keys.New("three"));
        await host.Cache.SetAsync(k1, "old", tags: ["t1"]);
        await host.Cache.SetAsync(k2, "old", tags: ["t2"]);
        await host.Cache.SetAsync(k3, "old", tags: ["t3"]);
        var factory = new CountingFactory<string>("new");

        await host.Cache.RemoveByTagAsync(["t1", "t2"]);

        Assert.Equal("new", await host.Cache.GetOrCreateAsync(k1, factory.InvokeAsync));
        Assert.Equal("new", await host.Cache.GetOrCreateAsync(k2, factory.InvokeAsync));
        Assert.Equal("old", await host.Cache.GetOrCreateAsync(k3, factory.InvokeAsync));
        Assert.Equal(2, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTagAsync_Wildcard_InvalidatesEveryEntry(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var (tagged, untagged) = (Keys.New("tagged"), Keys.New("untagged"));
        await host.Cache.SetAsync(tagged, "old", tags: ["t"]);
        await host.Cache.SetAsync(untagged, "old");
        var factory = new CountingFactory<string>("new");

        await host.Cache.RemoveByTagAsync("*");

        Assert.False((await host.Cache.TryGetAsync<string>(tagged)).Found);
        Assert.False((await host.Cache.TryGetAsync<string>(untagged)).Found);
        Assert.Equal("new", await host.Cache.GetOrCreateAsync(tagged, factory.InvokeAsync));
        Assert.Equal("new", await host.Cache.GetOrCreateAsync(untagged, factory.InvokeAsync));
        Assert.Equal(2, factory.Calls);
    }

    [Theory]
    [InlineData("t", false)]
    [InlineData("*", false)]
    [InlineData("t", true)]
    [InlineData("*", true)]
    public async Task RemoveByTagAsync_EntryCreatedAfterInvalidation_IsCached(string invalidated, bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "old", tags: ["t"]);
        await host.Cache.RemoveByTagAsync(invalidated);
        var factory = new CountingFactory<string>(n => $"new{n}");

        // No clock movement: creation stamps are strictly after the invalidation stamp within one instance.
        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["t"]);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["t"]);
        await host.Cache.SetAsync(key, "set after", tags: ["t"]);
        var third = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["t"]);

        Assert.Equal(new[] { "new1", "new1", "set after" }, new[] { first, second, third });
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task RemoveByTagAsync_WithL2_WritesTagRecordWithInvalidationTime()
    {
        await using var host = CacheHost.CreateWithL2();
        var tag = Keys.New();

        await host.Cache.RemoveByTagAsync(tag);
        var record = host.RawL2("__hck:tag:" + tag);

        Assert.NotNull(record);
        Assert.Equal(9, record.Length);
        Assert.Equal(1, record[0]);
        var stamp = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(1));
        Assert.InRange(stamp, host.Time.GetUtcNow().UtcTicks, host.Time.GetUtcNow().UtcTicks + 100);
    }

    [Fact]
    public async Task RemoveByTagAsync_NullOrEmptyTag_Throws()
    {
        await using var host = CacheHost.Create();

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.RemoveByTagAsync((string)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.RemoveByTagAsync((IEnumerable<string>)null!));
        await Assert.ThrowsAsync<ArgumentException>(async () => await host.Cache.RemoveByTagAsync(string.Empty));
    }
}
