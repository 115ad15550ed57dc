using System.Net;
using HybridCacheKit.AspNetCore.Diagnostics;
using HybridCacheKit.AspNetCore.Tests.ResponseCaching.Redis;
using HybridCacheKit.Distributed;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>The <c>l2</c> tier and cross-node joins, with two app nodes over one real Redis; each node's own meter.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisTierMetricsTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Get_EntryStoredByAnotherNode_IsAnL2HitThenAnL1Hit()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A");
        await using var b = await RedisNodes.StartAsync(redis, instance, "B");
        using var metricsA = new ResponseMetrics(a.App.Services);
        using var metricsB = new ResponseMetrics(b.App.Services);

        var fromA = await a.GetBodyAsync("/item");
        var fromL2 = await b.GetBodyAsync("/item");
        var fromL1 = await b.GetBodyAsync("/item");

        Assert.Equal("item from A run 1", fromA);
        Assert.Equal(fromA, fromL2);
        Assert.Equal(fromA, fromL1);
        Assert.Equal(0, b.Calls["item"]);
        Assert.True(metricsA.Misses == 1 && metricsA.Outcomes == 1, metricsA.Describe());
        Assert.True(metricsB.Hits("l2") == 1 && metricsB.Hits("l1") == 1 && metricsB.Outcomes == 2, metricsB.Describe());
        var l2Duration = Assert.Single(metricsB.All, m => m.Instrument == HybridCacheKitAspNetCoreDiagnostics.ResponseHitDuration && m.HasTag(HybridCacheKitAspNetCoreDiagnostics.TierTag, "l2"));
        Assert.True(l2Duration.Value > 0);
    }

    [Fact]
    public async Task Get_ConcurrentColdMissesOnTwoNodes_OneMissAndEveryOtherRequestJoins()
    {
        const int PerNode = 4;
        var instance = RedisNodes.NewInstanceName();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await RedisNodes.StartAsync(redis, instance, "A", gate);
        await using var b = await RedisNodes.StartAsync(redis, instance, "B", gate);
        using var engine = new EngineMetrics(a.App.Services, b.App.Services);
        using var metricsA = new ResponseMetrics(a.App.Services);
        using var metricsB = new ResponseMetrics(b.App.Services);

        var requests = Enumerable.Range(0, PerNode)
            .SelectMany(_ => new[] { a.SendFullyAsync(HttpMethod.Get, "/item"), b.SendFullyAsync(HttpMethod.Get, "/item") })
            .ToArray();
        await EngineMetrics.WaitUntilAsync(
            () => a.Calls["item"] + b.Calls["item"] == 1 && engine.StampedeJoins == 2 * (PerNode - 1) && engine.LockWaits >= 1,
            "one node runs the endpoint, the other waits for its lock, and every other request joined its node's run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        var describe = metricsA.Describe() + " | " + metricsB.Describe();
        Assert.True(metricsA.Misses + metricsB.Misses == 1, describe);
        Assert.True(metricsA.Joins + metricsB.Joins == (2 * PerNode) - 1, describe);
        Assert.True(metricsA.Outcomes + metricsB.Outcomes == 2 * PerNode, describe);
        foreach (var (response, _) in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Head_EntryStoredByAnotherNode_IsAnL2HitThenAnL1Hit()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await StartGetAndHeadNodeAsync(instance, "A");
        await using var b = await StartGetAndHeadNodeAsync(instance, "B");
        using var metricsB = new ResponseMetrics(b.App.Services);

        Assert.Equal("both from A run 1", await a.GetBodyAsync("/both"));
        var (fromL2, _) = await b.SendFullyAsync(HttpMethod.Head, "/both");
        fromL2.Dispose();
        var (fromL1, _) = await b.SendFullyAsync(HttpMethod.Head, "/both");
        fromL1.Dispose();

        Assert.Equal(HttpStatusCode.OK, fromL2.StatusCode);
        Assert.Equal("both from A run 1".Length, fromL2.Content.Headers.ContentLength);
        Assert.Equal(0, b.Calls["both"]);
        Assert.True(metricsB.Hits("l2") == 1 && metricsB.Hits("l1") == 1 && metricsB.Outcomes == 2, metricsB.Describe());
    }

    private async Task<CacheTestHost> StartGetAndHeadNodeAsync(string instance, string node)
    {
        var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseDistributedResponseCache();
                app.MapMethods("/both", ["GET", "HEAD"], (CallCounter c) => $"both from {node} run {c.Next("both")}").CacheResponse();
            },
            configureCache: c => c.AddStackExchangeRedis(o =>
            {
                o.Configuration = redis.ConfigurationString;
                o.InstanceName = instance;
            }));
        var bus = host.App.Services.GetRequiredService<IHybridCacheBackplane>();
        await EngineMetrics.WaitUntilAsync(() => bus.IsConnected, $"node {node}'s backplane connected");
        return host;
    }
}
