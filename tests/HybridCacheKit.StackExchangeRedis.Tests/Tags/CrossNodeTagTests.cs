using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Tags;

/// <summary>
/// RemoveByTagAsync on any node: every node stops serving the tagged entries, from L1 (the backplane message) and from
/// L2 (the tag record). Entries stay in L1 for a long time, so a node that stops serving one learned it remotely.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class CrossNodeTagTests(RedisServerFixture redis)
{
    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(5);
    private static readonly HybridCacheEntryOptions s_longLocal = new() { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };

    [Fact]
    public async Task RemoveByTagAsync_OnOneNode_EveryNodeStopsServingTaggedEntriesOnly()
    {
        await using var nodes = await CacheNodes.StartAsync(3, redis.ConfigurationString);
        foreach (var node in nodes.All)
        {
            Assert.Equal("tagged-old", await GetAsync(node, "tagged", "tagged-old", "t"));
            Assert.Equal("other-old", await GetAsync(node, "other", "other-old", "u"));
        }

        await nodes[2].Cache.RemoveByTagAsync("t");

        foreach (var node in nodes.All)
        {
            Assert.Equal("tagged-new", await Eventually.EqualsAsync("tagged-new", () => GetAsync(node, "tagged", "tagged-new", "t"), s_prompt));
            Assert.Equal("other-old", await GetAsync(node, "other", "other-new", "u"));
        }
    }

    [Fact]
    public async Task RemoveByTagAsync_OnOneNode_NodeWithoutL1CopyDoesNotGetTaggedEntryFromL2()
    {
        await using var nodes = await CacheNodes.StartAsync(2, redis.ConfigurationString);
        Assert.Equal("old", await GetAsync(nodes[0], "k", "old", "t"));

        await nodes[1].Cache.RemoveByTagAsync("t");
        var late = nodes.Add("late");

        Assert.Equal("new", await GetAsync(late, "k", "new", "t"));
    }

    [Fact]
    public async Task RemoveByTagAsync_Star_ClearsEveryNode()
    {
        await using var nodes = await CacheNodes.StartAsync(3, redis.ConfigurationString);
        foreach (var node in nodes.All)
        {
            Assert.Equal("a-old", await GetAsync(node, "a", "a-old", "t"));
            Assert.Equal("b-old", await GetAsync(node, "b", "b-old"));
        }

        await nodes[1].Cache.RemoveByTagAsync("*");

        foreach (var node in nodes.All)
        {
            Assert.Equal("a-new", await Eventually.EqualsAsync("a-new", () => GetAsync(node, "a", "a-new", "t"), s_prompt));
            Assert.Equal("b-new", await GetAsync(node, "b", "b-new"));
        }

    }

    [Fact]
    public async Task RemoveByTagAsync_EntriesCreatedAfterwards_ServedEverywhere()
    {
        await using var nodes = await CacheNodes.StartAsync(2, redis.ConfigurationString);
        await nodes[0].Cache.RemoveByTagAsync("t");
        await Eventually.TrueAsync(() => nodes[1].MessagesReceived == 1, s_prompt, "B did not hear of the invalidation");

        await nodes[0].Cache.SetAsync("k", "after", s_longLocal, ["t"]);

        Assert.Equal("after", await Eventually.EqualsAsync("after", () => GetAsync(nodes[1], "k", "factory", "t"), s_prompt));
    }

    private static async Task<string> GetAsync(CacheNode node, string key, string factoryValue, params string[] tags)
        => await node.Cache.GetOrCreateAsync(key, factoryValue, static (v, _) => ValueTask.FromResult(v), s_longLocal, tags);
}
