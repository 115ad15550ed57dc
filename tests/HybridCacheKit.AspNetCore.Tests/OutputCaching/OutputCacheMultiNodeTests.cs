using System.Net;
using System.Text;
using HybridCacheKit.TestUtilities.Redis;
using HybridCacheKit.TestUtilities.Time;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

/// <summary>Two application nodes (separate hosts and service providers) sharing one real Redis through the store.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class OutputCacheMultiNodeTests(RedisServerFixture redis)
{
    private static readonly TimeSpan s_propagation = TimeSpan.FromSeconds(10);
    private readonly string _instance = "oc-" + Guid.NewGuid().ToString("N") + ":";

    [Fact]
    public async Task Response_CachedOnA_ServedByBWithoutRunningEndpoint()
    {
        await using var a = await StartNodeAsync("A");
        await using var b = await StartNodeAsync("B");

        Assert.Equal("A:1", await a.GetAsync("/counter"));

        Assert.Equal("A:1", await b.GetAsync("/counter"));
        Assert.Equal("A:1", await b.GetAsync("/counter"));
        Assert.Equal(0, b.Runs("counter"));
    }

    [Fact]
    public async Task AttributeEndpoint_CachedOnA_ServedByB()
    {
        await using var a = await StartNodeAsync("A");
        await using var b = await StartNodeAsync("B");

        Assert.Equal("A:1", await a.GetAsync("/attribute"));

        Assert.Equal("A:1", await b.GetAsync("/attribute"));
        Assert.Equal(0, b.Runs("attribute"));
    }

    [Fact]
    public async Task EvictByTag_OnA_BRegeneratesAndOtherTagsSurvive()
    {
        await using var a = await StartNodeAsync("A");
        await using var b = await StartNodeAsync("B");
        Assert.Equal("A:1", await a.GetAsync("/products/7"));
        Assert.Equal("A:1", await a.GetAsync("/other"));
        Assert.Equal("A:1", await b.GetAsync("/products/7")); // now in B's L1 too
        Assert.Equal("A:1", await b.GetAsync("/other"));

        await a.Store.EvictByTagAsync("products", CancellationToken.None);

        // B's L1 copy goes when the backplane message arrives: bounded polling, no timing assertion.
        var regenerated = await Eventually.MatchAsync(() => b.GetAsync("/products/7"), body => body != "A:1", s_propagation, "B never stopped serving the evicted response");
        Assert.Equal("B:1", regenerated);
        Assert.Equal(1, b.Runs("product:7"));
        Assert.Equal("A:1", await b.GetAsync("/other"));
        Assert.Equal(0, b.Runs("other"));

        // B's regenerated response is now the shared one.
        Assert.Equal("B:1", await Eventually.MatchAsync(() => a.GetAsync("/products/7"), body => body != "A:1", s_propagation, "A kept serving the evicted response"));
        Assert.Equal(1, a.Runs("product:7"));
    }

    [Fact]
    public async Task EvictByTag_NodeStartedLater_NeverServesEvictedEntry()
    {
        await using var a = await StartNodeAsync("A");
        Assert.Equal("A:1", await a.GetAsync("/products/1"));

        await a.Store.EvictByTagAsync("products", CancellationToken.None);
        await using var c = await StartNodeAsync("C");

        Assert.Equal("C:1", await c.GetAsync("/products/1"));
    }

    [Fact]
    public async Task CorruptBytesInRedis_CleanMissAndRegenerated()
    {
        await using var a = await StartNodeAsync("A");
        Assert.Equal("A:1", await a.GetAsync("/counter"));
        await using var client = await redis.Server.CreateClientAsync();
        var keys = (await client.ExecuteAsync("KEYS", _instance + "outputcache:*")).Items!;
        var key = Assert.Single(keys).Bytes!;
        Assert.Equal("hash", (await client.ExecuteAsync("TYPE", key)).Text);
        await client.ExecuteAsync("HSET", key, "data", Encoding.ASCII.GetBytes("garbage, not an envelope"));

        await using var b = await StartNodeAsync("B");
        using var response = await b.Client.GetAsync("/counter");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("B:1", await response.Content.ReadAsStringAsync());
        Assert.NotEmpty(b.Logs.WithEventId(1005)); // the engine's "L2 payload rejected"
        Assert.Equal("B:1", await b.GetAsync("/counter"));
    }

    [Fact]
    public async Task TruncatedEnvelopeInRedis_CleanMiss()
    {
        await using var a = await StartNodeAsync("A");
        Assert.Equal("A:1", await a.GetAsync("/counter"));
        await using var client = await redis.Server.CreateClientAsync();
        var key = Assert.Single((await client.ExecuteAsync("KEYS", _instance + "outputcache:*")).Items!).Bytes!;
        var data = (await client.ExecuteAsync("HGET", key, "data")).Bytes!;
        await client.ExecuteAsync("HSET", key, "data", data[..(data.Length / 2)]);

        await using var b = await StartNodeAsync("B");

        Assert.Equal("B:1", await b.GetAsync("/counter"));
    }

    [Fact]
    public async Task Expiry_OverRedis_EntryPastItsDurationIsAMissOnEveryNode()
    {
        var time = new FakeTimeProvider();
        await using var a = await StartNodeAsync("A", time);
        Assert.Equal("A:1", await a.GetAsync("/short"));
        await using var b = await StartNodeAsync("B", time);
        Assert.Equal("A:1", await b.GetAsync("/short"));

        time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal("B:1", await b.GetAsync("/short"));
        await using var c = await StartNodeAsync("C", time);
        Assert.Equal("B:1", await c.GetAsync("/short"));
    }

    private Task<OutputCacheNode> StartNodeAsync(string name, TimeProvider? time = null)
        => OutputCacheNode.StartAsync(name, redis.ConfigurationString, _instance, time);
}
