using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>The cluster the tests start is a real, healthy Redis Cluster that StackExchange.Redis routes across.</summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class RedisClusterInfrastructureTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task StartAsync_ThreeMasters_EveryNodeReportsOkAndSlotsAreSplit()
    {
        var cluster = fixture.Cluster;
        await cluster.RefreshAsync();

        Assert.Equal(3, cluster.Masters.Count);
        for (var slot = 0; slot < RedisClusterHashSlot.SlotCount; slot += 97)
        {
            Assert.Single(cluster.Masters, m => m.ServesSlot(slot));
        }

        foreach (var node in cluster.Nodes)
        {
            await using var client = await node.Server.CreateClientAsync();
            var info = (await client.ExecuteAsync("CLUSTER", "INFO")).Text!;
            Assert.Contains("cluster_state:ok", info, StringComparison.Ordinal);
            Assert.Contains("cluster_slots_ok:16384", info, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HashSlot_ManyKeys_MatchesServerKeySlot()
    {
        await using var client = await fixture.Cluster.Nodes[0].Server.CreateClientAsync();
        string[] keys = ["", "a", "user:1000", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "é-ключ-🔑", .. Enumerable.Range(0, 50).Select(i => "k" + i)];

        foreach (var key in keys)
        {
            var expected = (await client.ExecuteAsync("CLUSTER", "KEYSLOT", key)).Integer;
            Assert.Equal(expected, RedisClusterHashSlot.Of(key));
        }
    }

    [Fact]
    public async Task RedisConnection_KeysOnEveryMaster_AllRoundTrip()
    {
        var cluster = fixture.Cluster;
        await cluster.RefreshAsync();
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = cluster.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(5) });
        var prefix = "infra:" + Guid.NewGuid().ToString("N") + ":";
        var keys = Enumerable.Range(0, 300).Select(i => prefix + i).ToArray();

        await Task.WhenAll(keys.Select(k => connection.ExecuteAsync("set", k, static (db, key) => db.StringSetAsync(key, key), CancellationToken.None)));
        var values = await Task.WhenAll(keys.Select(k => connection.ExecuteAsync("get", k, static (db, key) => db.StringGetAsync(key), CancellationToken.None)));

        Assert.Equal(keys, values.Select(v => (string?)v));
        var perMaster = keys.GroupBy(k => cluster.MasterServing(k).Id).ToDictionary(g => g.Key, g => g.ToArray());
        Assert.Equal(3, perMaster.Count);
        foreach (var master in cluster.Masters)
        {
            // Each key is stored on the master that serves its slot, not proxied elsewhere.
            await using var client = await master.Server.CreateClientAsync();
            var sample = perMaster[master.Id][0];
            Assert.Equal(sample, (await client.ExecuteAsync("GET", sample)).Text);
        }
    }
}
