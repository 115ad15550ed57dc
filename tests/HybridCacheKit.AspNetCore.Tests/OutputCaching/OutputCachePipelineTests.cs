using System.Net;
using HybridCacheKit.TestUtilities.Time;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

/// <summary>The framework's output caching (<c>CacheOutput()</c>, <c>[OutputCache]</c>) through the real pipeline, on one node, with this store.</summary>
public sealed class OutputCachePipelineTests
{
    [Fact]
    public async Task CacheOutput_SecondRequest_ServedFromStoreWithoutRunningEndpoint()
    {
        await using var node = await OutputCacheNode.StartAsync("A");

        var first = await node.GetAsync("/counter");
        var second = await node.GetAsync("/counter");

        Assert.Equal("A:1", first);
        Assert.Equal("A:1", second);
        Assert.Equal(1, node.Runs("counter"));
    }

    [Fact]
    public async Task CacheOutput_DifferentQuery_IsAMiss()
    {
        await using var node = await OutputCacheNode.StartAsync("A");

        Assert.Equal("A:1", await node.GetAsync("/counter?page=1"));
        Assert.Equal("A:2", await node.GetAsync("/counter?page=2"));
        Assert.Equal("A:1", await node.GetAsync("/counter?page=1"));
    }

    [Fact]
    public async Task OutputCacheAttribute_MinimalApi_CachedByStore()
    {
        await using var node = await OutputCacheNode.StartAsync("A");

        Assert.Equal("A:1", await node.GetAsync("/attribute"));
        Assert.Equal("A:1", await node.GetAsync("/attribute"));
        Assert.Equal(1, node.Runs("attribute"));
    }

    [Fact]
    public async Task OutputCacheAttribute_MvcController_CachedByStore()
    {
        await using var node = await OutputCacheNode.StartAsync("A");

        var first = await node.GetAsync("/mvc/time");
        var runsAfterFirst = OutputCacheTestController.Runs;
        var second = await node.GetAsync("/mvc/time");

        Assert.Equal(first, second);
        Assert.Equal(runsAfterFirst, OutputCacheTestController.Runs);
    }

    [Fact]
    public async Task CacheOutput_UncachedEndpoint_RunsEveryTime()
    {
        await using var node = await OutputCacheNode.StartAsync("A");

        Assert.Equal("A:1", await node.GetAsync("/uncached"));
        Assert.Equal("A:2", await node.GetAsync("/uncached"));
    }

    [Fact]
    public async Task CacheOutput_AfterDurationPasses_Regenerates()
    {
        var time = new FakeTimeProvider();
        await using var node = await OutputCacheNode.StartAsync("A", time: time);

        Assert.Equal("A:1", await node.GetAsync("/short"));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal("A:1", await node.GetAsync("/short"));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("A:2", await node.GetAsync("/short"));
        Assert.Equal("A:2", await node.GetAsync("/short"));
    }

    [Fact]
    public async Task EvictByTagAsync_TaggedEntries_RegeneratedOthersKept()
    {
        await using var node = await OutputCacheNode.StartAsync("A");
        Assert.Equal("A:1", await node.GetAsync("/products/1"));
        Assert.Equal("A:1", await node.GetAsync("/products/2"));
        Assert.Equal("A:1", await node.GetAsync("/other"));

        await node.Store.EvictByTagAsync("products", CancellationToken.None);

        Assert.Equal("A:2", await node.GetAsync("/products/1"));
        Assert.Equal("A:2", await node.GetAsync("/products/2"));
        Assert.Equal("A:1", await node.GetAsync("/other"));
    }

    [Fact]
    public async Task LargeResponse_AboveMaximumPayloadBytes_ServedWholeButNotCached()
    {
        await using var node = await OutputCacheNode.StartAsync("A", engine: o => o.MaximumPayloadBytes = 64 * 1024);

        using var first = await node.Client.GetAsync("/big?size=200000");
        using var second = await node.Client.GetAsync("/big?size=200000");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("A:1".Length + 200_000, (await first.Content.ReadAsStringAsync()).Length);
        Assert.StartsWith("A:2", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, node.Logs.WithEventId(3301).Count);
        Assert.Single(node.Logs.WithEventId(3302));
    }

    [Fact]
    public async Task LargeResponse_BelowMaximumPayloadBytes_Cached()
    {
        await using var node = await OutputCacheNode.StartAsync("A", engine: o => o.MaximumPayloadBytes = 1024 * 1024);

        var first = await node.GetAsync("/big?size=200000");
        var second = await node.GetAsync("/big?size=200000");

        Assert.Equal(first, second);
        Assert.Equal(1, node.Runs("big"));
        Assert.Empty(node.Logs.WithEventId(3301));
    }
}
