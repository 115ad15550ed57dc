using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>
/// A change whose token is cancelled must not be left half done: applied to this node's L1 but not to L2 and the other
/// nodes, which would then disagree for up to the L1 expiration. The token counts until the change starts; once started,
/// the change is completed in L2 and announced.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class CancelledChangeTests(RedisServerFixture redis)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);
    private static readonly HybridCacheEntryOptions s_longLocal = new() { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };

    [Fact]
    public async Task SetAsync_TokenAlreadyCancelled_ChangesNothingOnAnyNode()
    {
        await using var nodes = await CacheNodes.StartAsync(2, redis.ConfigurationString);
        var (a, b) = (nodes[0], nodes[1]);
        await a.Cache.SetAsync("k", "v1", s_longLocal);
        Assert.Equal("v1", await GetAsync(b, "k"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await a.Cache.SetAsync("k", "v2", s_longLocal, cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal("v1", await GetAsync(a, "k"));
        Assert.Equal("v1", await GetAsync(b, "k"));
    }

    [Fact]
    public async Task RemoveByTagAsync_TokenAlreadyCancelled_ChangesNothingOnAnyNode()
    {
        await using var nodes = await CacheNodes.StartAsync(2, redis.ConfigurationString);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(a, "k", "v1", "t"));
        Assert.Equal("v1", await GetAsync(b, "k", "b-computed", "t"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await a.Cache.RemoveByTagAsync("t", new CancellationToken(canceled: true)));

        Assert.Equal("v1", await GetAsync(a, "k", "a-recomputed", "t"));
        Assert.Equal("v1", await GetAsync(b, "k", "b-recomputed", "t"));
    }

    [Fact]
    public async Task SetAsync_CancelledWhileItsL2WriteWaits_CompletesAndReachesTheOtherNode()
    {
        // Without scripts the announcement is a PUBLISH sent after the write's reply: a cancelled wait for that reply
        // used to skip it, so the other node kept its old L1 copy while L2 held the new value.
        await using var server = await RedisServer.StartAsync();
        await using var nodes = await CacheNodes.StartAsync(2, server.ConfigurationString, o => o.UseScripts = false);
        var (a, b) = (nodes[0], nodes[1]);
        await a.Cache.SetAsync("k", "v1", s_longLocal);
        Assert.Equal("v1", await GetAsync(b, "k"));
        using var raw = server.CreateClient();
        using var cts = new CancellationTokenSource();

        Assert.Equal("OK", raw.Execute("CLIENT", "PAUSE", "800").Text);
        var set = a.Cache.SetAsync("k", "v2", s_longLocal, cancellationToken: cts.Token).AsTask();
        await Task.Delay(150);
        await cts.CancelAsync();

        await set.WaitAsync(s_bound);
        Assert.Equal("v2", await Eventually.EqualsAsync("v2", () => GetAsync(b, "k"), TimeSpan.FromSeconds(10)));
        Assert.Equal("v2", await GetAsync(a, "k"));
    }

    private static async Task<string> GetAsync(CacheNode node, string key, string factoryValue = "factory", params string[] tags)
        => await node.Cache.GetOrCreateAsync(key, factoryValue, static (v, _) => ValueTask.FromResult(v), s_longLocal, tags);
}
