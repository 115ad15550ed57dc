using HybridCacheKit.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>
/// Changes on one node evict the L1 copies of the others. Every node keeps its copy in L1 for a long time
/// (<see cref="s_longLocal"/>), so a node that serves the new value can only have learned it from the backplane.
/// </summary>
public abstract class CrossNodeInvalidationSuite
{
    /// <summary>The configuration string of the Redis (standalone or cluster) the nodes share.</summary>
    protected abstract string Configuration { get; }

    /// <summary>A server of that Redis to publish raw messages on (in a cluster any node: PUBLISH reaches every node).</summary>
    protected abstract RedisServer RawServer { get; }

    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(5);
    private static readonly HybridCacheEntryOptions s_longLocal = new() { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };

    [Fact]
    public async Task SetAsync_OnNodeA_NodeBServesNewValuePromptly()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(b, "k", "v1"));
        Assert.Equal("v1", await GetAsync(b, "k", "from-b-factory"));

        await a.Cache.SetAsync("k", "v2", s_longLocal);

        var seen = await Eventually.EqualsAsync("v2", () => GetAsync(b, "k", "from-b-factory"), s_prompt);
        Assert.Equal("v2", seen);
    }

    [Fact]
    public async Task RemoveAsync_OnNodeA_NodeBRunsItsFactoryPromptly()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(b, "k", "v1"));

        await a.Cache.RemoveAsync("k");

        var seen = await Eventually.EqualsAsync("recomputed", () => GetAsync(b, "k", "recomputed"), s_prompt);
        Assert.Equal("recomputed", seen);
    }

    [Fact]
    public async Task SetRemoveAndRemoveByTag_OnNodeA_EachAnnouncedInsideItsOwnWrite()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(b, "k", "v1"));
        Assert.Equal("t1", await GetAsync(b, "tagged", "t1", ["t"]));

        await a.Cache.SetAsync("k", "v2", s_longLocal);
        Assert.Equal("v2", await Eventually.EqualsAsync("v2", () => GetAsync(b, "k", "from-b-factory"), s_prompt));
        await a.Cache.RemoveAsync("k");
        Assert.Equal("recomputed", await Eventually.EqualsAsync("recomputed", () => GetAsync(b, "k", "recomputed"), s_prompt));
        await a.Cache.RemoveByTagAsync("t");
        Assert.Equal("t2", await Eventually.EqualsAsync("t2", () => GetAsync(b, "tagged", "t2", ["t"]), s_prompt));

        // Three changes, three messages, none of them a PUBLISH of its own: each rode in the script that made the change.
        Assert.Equal(3, a.RedisBackplane.AnnouncedWithWrites);
        Assert.Equal(3, a.RedisBackplane.Publishes);
        await Eventually.TrueAsync(() => a.RedisBackplane.OwnMessagesIgnored == 3, s_prompt, "the sender's three messages did not come back to it");
        Assert.Equal(3, b.MessagesReceived);
    }

    [Fact]
    public async Task RemoveByTagAsync_HostileTags_ClearErrorAndTheBackplaneKeepsWorking()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration);
        var (a, b) = (nodes[0], nodes[1]);

        // Built here, not in test data: xUnit stores test data as UTF-8, which would turn the lone surrogate into U+FFFD.
        string[] hostile = ["bad" + (char)0xD800, "bad" + (char)7];
        for (var i = 0; i < hostile.Length; i++)
        {
            Assert.Equal("v1", await GetAsync(b, "k" + i, "v1"));

            var error = await Assert.ThrowsAsync<ArgumentException>(() => a.Cache.RemoveByTagAsync(hostile[i]).AsTask().WaitAsync(s_prompt));
            Assert.Contains("tag", error.Message, StringComparison.OrdinalIgnoreCase);

            await a.Cache.SetAsync("k" + i, "v2", s_longLocal).AsTask().WaitAsync(s_prompt);
            Assert.Equal("v2", await Eventually.EqualsAsync("v2", () => GetAsync(b, "k" + i, "from-b-factory"), s_prompt));
        }
    }

    [Fact]
    public async Task SetAsync_ScriptsOff_AnnouncedByASeparatePublish()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration, configureRedis: o => o.UseScripts = false);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(b, "k", "v1"));

        await a.Cache.SetAsync("k", "v2", s_longLocal);

        Assert.Equal("v2", await Eventually.EqualsAsync("v2", () => GetAsync(b, "k", "from-b-factory"), s_prompt));
        Assert.Equal(0, a.RedisBackplane.AnnouncedWithWrites);
        Assert.Equal(1, a.RedisBackplane.Publishes);
    }

    [Fact]
    public async Task SetAsync_ThreeNodes_EveryOtherNodeEvictsAndSenderIgnoresItsOwnMessage()
    {
        await using var nodes = await CacheNodes.StartAsync(3, Configuration);
        foreach (var node in nodes.All)
        {
            Assert.Equal("v1", await GetAsync(node, "k", "v1"));
        }

        await nodes[0].Cache.SetAsync("k", "v2", s_longLocal);

        foreach (var node in nodes.All.Skip(1))
        {
            Assert.Equal("v2", await Eventually.EqualsAsync("v2", () => GetAsync(node, "k", "from-factory"), s_prompt));
            Assert.Equal(1, node.MessagesReceived);
        }

        // The sender's own message came back through Redis and was dropped before reaching its engine.
        await Eventually.TrueAsync(() => nodes[0].RedisBackplane.OwnMessagesIgnored == 1, s_prompt, "the sender's message did not come back to it");
        Assert.Equal(0, nodes[0].MessagesReceived);
        Assert.Equal("v2", await GetAsync(nodes[0], "k", "from-factory"));
    }

    [Fact]
    public async Task Backplane_UnreadableMessagesPublishedRaw_NodesIgnoreThemAndKeepWorking()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(b, "k", "v1"));
        using var raw = RawServer.CreateClient();
        var future = BackplaneMessageCodec.Encode(WireKind.KeyRemoved, Guid.NewGuid(), DateTime.UtcNow.Ticks, "k");
        future[0] = 9;

        raw.Execute("PUBLISH", b.RedisBackplane.ChannelName, "garbage");
        raw.Execute("PUBLISH", b.RedisBackplane.ChannelName, future);
        raw.Execute("PUBLISH", b.RedisBackplane.ChannelName, Array.Empty<byte>());
        await Eventually.TrueAsync(() => b.RedisBackplane.RejectedMessages == 3, s_prompt, "B did not see the three unreadable messages");

        // None of them evicted anything (the future-version one named the key): B still serves its L1 copy...
        Assert.Equal("v1", await GetAsync(b, "k", "from-factory"));
        Assert.Equal(0, b.MessagesReceived);
        Assert.True(b.Backplane!.IsConnected);

        // ...and real messages still work.
        await a.Cache.SetAsync("k", "v2", s_longLocal);
        Assert.Equal("v2", await Eventually.EqualsAsync("v2", () => GetAsync(b, "k", "from-factory"), s_prompt));

        // The rejections were logged (the first, then at powers of two). A handler thread can count a rejection and be
        // preempted before it logs, so the log is awaited like the count (a CI run once asserted it too early).
        await Eventually.TrueAsync(() => b.Logs.Entries.Any(e => e.EventId.Id == 2202), s_prompt, "B did not log the unreadable messages (event 2202)");
    }

    [Fact]
    public async Task Backplane_Connected_RecordsLagOfReceivedMessages()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration);
        Assert.Equal("v1", await GetAsync(nodes[1], "k", "v1"));

        await nodes[0].Cache.SetAsync("k", "v2", s_longLocal);

        await Eventually.TrueAsync(() => nodes[1].Metrics.Count(HybridCacheKitDiagnostics.BackplaneLag) == 1, s_prompt, "B recorded no lag");
        Assert.InRange(nodes[1].Metrics.Of(HybridCacheKitDiagnostics.BackplaneLag)[0].Value, 0, 60);
    }

    [Fact]
    public async Task SetAsync_ManyConcurrentChangesOnNodeA_AreCoalescedAndNodeBEvictsEveryOne()
    {
        // Without scripts, a write cannot carry its message and changes go through the backplane's outbox, which
        // coalesces them. (With scripts each write publishes its own, inside the write: the test above.)
        const int keys = 200;
        await using var nodes = await CacheNodes.StartAsync(2, Configuration, configureRedis: o => o.UseScripts = false);
        var (a, b) = (nodes[0], nodes[1]);
        for (var i = 0; i < keys; i++)
        {
            Assert.Equal("v1", await GetAsync(b, "k" + i, "v1"));
        }

        var publishesBefore = a.RedisBackplane.Publishes;
        var receivedBefore = b.MessagesReceived;

        await Task.WhenAll(Enumerable.Range(0, keys).Select(i => a.Cache.SetAsync("k" + i, "v2-" + i, s_longLocal).AsTask()));

        // Fewer PUBLISH commands than changes: the ones made while a PUBLISH was in flight went out together.
        var publishes = a.RedisBackplane.Publishes - publishesBefore;
        Assert.InRange(publishes, 1, keys - 1);
        await Eventually.TrueAsync(() => b.MessagesReceived - receivedBefore >= keys, s_prompt, $"node B received all {keys} changes");
        for (var i = 0; i < keys; i++)
        {
            Assert.Equal("v2-" + i, await GetAsync(b, "k" + i, "from-b-factory"));
        }
    }

    private static async Task<string> GetAsync(CacheNode node, string key, string factoryValue, string[]? tags = null)
        => await node.Cache.GetOrCreateAsync(key, factoryValue, static (v, _) => ValueTask.FromResult(v), s_longLocal, tags);
}

/// <summary>The suite against the shared standalone server (Cluster/ reruns it on a Redis Cluster).</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class CrossNodeInvalidationTests(RedisServerFixture redis) : CrossNodeInvalidationSuite
{
    protected override string Configuration => redis.ConfigurationString;

    protected override RedisServer RawServer => redis.Server;
}
