using HybridCacheKit.StackExchangeRedis.Tests.Security;
using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// The whole stack on a 3-master Redis Cluster: keys on every master, the backplane between nodes, the cross-node
/// stampede lock for keys on each master, tags, sliding refresh scripts, the key ring and the health check.
/// </summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class RedisClusterCacheTests(RedisClusterFixture fixture) : IAsyncLifetime
{
    private readonly string _instance = $"hck-cluster-{Guid.NewGuid():N}:";
    private readonly List<RedisTestApp> _apps = [];

    private RedisCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Cluster.RefreshAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task DistributedCache_ManyKeysOnEveryMaster_SetGetRemoveRoundTrip()
    {
        var node = await StartNodeAsync();
        var keys = Enumerable.Range(0, 300).Select(i => "raw-" + i).ToArray();
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };

        await Task.WhenAll(keys.Select(k => node.DistributedCache.SetAsync(k, System.Text.Encoding.UTF8.GetBytes(k), options)));
        var read = await Task.WhenAll(keys.Select(k => node.DistributedCache.GetAsync(k)));
        await Task.WhenAll(keys.Where((_, i) => i % 2 == 0).Select(k => node.DistributedCache.RemoveAsync(k)));
        var afterRemove = await Task.WhenAll(keys.Select(k => node.DistributedCache.GetAsync(k)));

        Assert.Equal(keys, read.Select(b => System.Text.Encoding.UTF8.GetString(b!)));
        Assert.Equal(keys.Select((_, i) => i % 2 != 0), afterRemove.Select(b => b is not null));
        var perMaster = ClusterKeys.CountPerMaster(Cluster, keys.Select(k => _instance + k));
        Assert.Equal(3, perMaster.Count);
        Assert.All(perMaster.Values, count => Assert.True(count > 50, $"only {count} keys on one master"));
    }

    [Fact]
    public async Task GetOrCreateAsync_ManyKeysWrittenByOneNode_OtherNodeReadsAllWithoutFactory()
    {
        var writer = await StartNodeAsync();
        var reader = await StartNodeAsync();
        var keys = Enumerable.Range(0, 200).Select(i => "entry-" + i).ToArray();
        var never = new CountingFactory<string>("factory must not run");

        foreach (var key in keys)
        {
            await writer.Cache.SetAsync(key, "value of " + key);
        }

        foreach (var key in keys)
        {
            Assert.Equal("value of " + key, await reader.Cache.GetOrCreateAsync(key, never.InvokeAsync));
        }

        Assert.Equal(0, never.Calls);
    }

    [Fact]
    public async Task SetAndRemove_KeysOnEveryMaster_OtherNodesL1CopiesAreEvicted()
    {
        var nodeA = await StartNodeAsync();
        var nodeB = await StartNodeAsync();
        var keys = ClusterKeys.OnePerMaster(Cluster, _instance, "coherent");
        var never = new CountingFactory<string>("factory must not run");
        foreach (var key in keys)
        {
            await nodeB.Cache.SetAsync(key, "v1");
            Assert.Equal("v1", await nodeA.Cache.GetOrCreateAsync(key, never.InvokeAsync));
        }

        foreach (var key in keys)
        {
            await nodeB.Cache.SetAsync(key, "v2");
        }

        foreach (var key in keys)
        {
            await RedisTestApp.Eventually.TrueAsync(async () => await nodeA.Cache.GetOrCreateAsync(key, never.InvokeAsync) == "v2", $"node A sees the change of {key}");
            await nodeB.Cache.RemoveAsync(key);
            var recomputed = new CountingFactory<string>("recomputed");
            await RedisTestApp.Eventually.TrueAsync(async () => await nodeA.Cache.GetOrCreateAsync(key, recomputed.InvokeAsync) == "recomputed", $"node A sees the removal of {key}");
        }

        Assert.Equal(0, never.Calls);
    }

    [Fact]
    public async Task RemoveByTagAsync_TaggedEntriesOnEveryMaster_NoNodeServesThemAfterwards()
    {
        var nodeA = await StartNodeAsync();
        var nodeB = await StartNodeAsync();
        var keys = Enumerable.Range(0, 60).Select(i => "tagged-" + i).ToArray();
        foreach (var key in keys)
        {
            await nodeA.Cache.SetAsync(key, "old", tags: ["catalog"]);
            Assert.Equal("old", await nodeB.Cache.GetOrCreateAsync(key, new CountingFactory<string>("unexpected").InvokeAsync, tags: ["catalog"]));
        }

        await nodeA.Cache.RemoveByTagAsync("catalog");

        foreach (var key in keys)
        {
            await RedisTestApp.Eventually.TrueAsync(async () => await nodeB.Cache.GetOrCreateAsync(key, new CountingFactory<string>("new").InvokeAsync, tags: ["catalog"]) == "new", $"node B drops {key}");
        }

        Assert.Equal(3, ClusterKeys.CountPerMaster(Cluster, keys.Select(k => _instance + k)).Count);
    }

    [Fact]
    public async Task GetOrCreateAsync_FourNodesFiftyCallersEachOnKeysOfEveryMaster_FactoryRunsOncePerKey()
    {
        var nodes = new List<RedisTestApp>();
        for (var i = 0; i < 4; i++)
        {
            nodes.Add(await StartNodeAsync());
        }

        foreach (var key in ClusterKeys.OnePerMaster(Cluster, _instance, "cold"))
        {
            var factory = new CountingFactory<string>(n => $"{key}-computed-{n}");
            async ValueTask<string> SlowFactoryAsync(CancellationToken ct)
            {
                await Task.Delay(200, ct);
                return await factory.InvokeAsync(ct);
            }

            using var start = new ManualResetEventSlim();
            var callers = nodes.SelectMany(node => Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await node.Cache.GetOrCreateAsync(key, SlowFactoryAsync);
            }))).ToArray();
            start.Set();
            var results = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(1, factory.Calls);
            Assert.All(results, r => Assert.Equal($"{key}-computed-1", r));
        }
    }

    [Fact]
    public async Task GetAsync_SlidingEntriesOnEveryMaster_ReadRenewsTimeToLive()
    {
        var node = await StartNodeAsync();
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(100), AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) };
        foreach (var key in ClusterKeys.OnePerMaster(Cluster, _instance, "sliding"))
        {
            await node.DistributedCache.SetAsync(key, [7], options);
            await using var master = await Cluster.MasterServing(_instance + key).Server.CreateClientAsync();
            Assert.Equal(1, (await master.ExecuteAsync("EXPIRE", _instance + key, 5)).Integer);

            Assert.Equal([7], await node.DistributedCache.GetAsync(key));

            Assert.InRange((await master.ExecuteAsync("TTL", _instance + key)).Integer, 50, 100);
        }
    }

    [Fact]
    public async Task DataProtectionAndHealth_OnCluster_KeyRingSharedAndHealthy()
    {
        var nodeA = await StartNodeAsync(AddKeyRingAndHealth);
        var nodeB = await StartNodeAsync(AddKeyRingAndHealth);

        var payload = nodeA.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cluster").Protect("cookie");
        var report = await nodeB.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal("cookie", nodeB.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cluster").Unprotect(payload));
        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(3, entry.Data["endpoints_connected"]);
    }

    private static void AddKeyRingAndHealth(IHybridCacheKitBuilder builder)
    {
        builder.AddRedisDataProtection("cluster-tests");
        builder.Services.AddHealthChecks().AddHybridCacheKitRedis();
    }

    private async Task<RedisTestApp> StartNodeAsync(Action<IHybridCacheKitBuilder>? configureServices = null)
    {
        var app = await RedisTestApp.StartAsync(_instance, Cluster.ConfigurationString, configureServices: configureServices);
        _apps.Add(app);
        return app;
    }
}
