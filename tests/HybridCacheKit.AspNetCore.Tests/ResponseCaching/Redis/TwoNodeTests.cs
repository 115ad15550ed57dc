using System.Net;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Redis;

/// <summary>Two app nodes over one real Redis: shared entries, one run per cluster, invalidation across nodes.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class TwoNodeTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Get_EntryCachedByNodeA_IsServedByNodeBWithoutRunningItsEndpoint()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A");
        await using var b = await RedisNodes.StartAsync(redis, instance, "B");

        using var fromA = await a.SendAsync(HttpMethod.Get, "/item");
        using var fromB = await b.SendAsync(HttpMethod.Get, "/item");
        using var fromBAgain = await b.SendAsync(HttpMethod.Get, "/item");

        Assert.Equal("item from A run 1", await fromA.Content.ReadAsStringAsync());
        Assert.Equal("item from A run 1", await fromB.Content.ReadAsStringAsync());
        Assert.Equal("item from A run 1", await fromBAgain.Content.ReadAsStringAsync());
        Assert.Equal(fromA.Headers.ETag, fromB.Headers.ETag);
        Assert.Equal(fromA.Content.Headers.LastModified, fromB.Content.Headers.LastModified);
        Assert.NotNull(fromB.Headers.Age);
        Assert.Equal(0, b.Calls["item"]);
    }

    [Fact]
    public async Task Get_ConcurrentColdMissesOnTwoNodes_RunTheEndpointExactlyOnce()
    {
        const int PerNode = 8;
        var instance = RedisNodes.NewInstanceName();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await RedisNodes.StartAsync(redis, instance, "A", gate);
        await using var b = await RedisNodes.StartAsync(redis, instance, "B", gate);
        using var metrics = new EngineMetrics(a.App.Services, b.App.Services);

        var requests = Enumerable.Range(0, PerNode)
            .SelectMany(_ => new[] { a.SendAsync(HttpMethod.Get, "/item"), b.SendAsync(HttpMethod.Get, "/item") })
            .ToArray();
        await EngineMetrics.WaitUntilAsync(
            () => a.Calls["item"] + b.Calls["item"] == 1 && metrics.StampedeJoins == 2 * (PerNode - 1) && metrics.LockWaits >= 1,
            "one node runs the endpoint, the other waits for its lock, and every other request joined its node's run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(bodies.Distinct());
        Assert.Equal(1, a.Calls["item"] + b.Calls["item"]);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task RemoveByTag_OnNodeA_MakesNodeBRunTheEndpointAgain()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A");
        await using var b = await RedisNodes.StartAsync(redis, instance, "B");
        Assert.Equal("product 1 from A run 1", await a.GetStringAsync("/products/1"));
        Assert.Equal("product 1 from A run 1", await b.GetStringAsync("/products/1"));
        Assert.Equal("product 2 from A run 1", await a.GetStringAsync("/products/2"));

        await a.Cache.RemoveByTagAsync("product:1");

        // The backplane message reaches B asynchronously: B keeps answering until then, then runs its endpoint.
        string? latest = null;
        await EngineMetrics.WaitUntilAsync(
            async () =>
            {
                latest = await b.GetStringAsync("/products/1");
                return b.Calls["product 1"] == 1;
            },
            "node B ran the endpoint again after the invalidation on A");
        Assert.Equal("product 1 from B run 1", latest);
        Assert.Equal("product 2 from A run 1", await b.GetStringAsync("/products/2"));
        Assert.Equal("product 1 from B run 1", await a.GetStringAsync("/products/1"));
    }

    [Fact]
    public async Task Get_VaryByUserAcrossNodes_SharesPerUserEntriesAndKeysHoldNoUserId()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A");
        await using var b = await RedisNodes.StartAsync(redis, instance, "B");

        var alice = await a.GetStringAsync("/me", TestAuthentication.As("alice-7731"));
        var aliceOnB = await b.GetStringAsync("/me", TestAuthentication.As("alice-7731"));
        var bobOnB = await b.GetStringAsync("/me", TestAuthentication.As("bob-5512"));
        var keys = await RedisNodes.ResponseKeysAsync(redis, instance);

        Assert.Equal("me alice-7731 from A run 1", alice);
        Assert.Equal(alice, aliceOnB);
        Assert.Equal("me bob-5512 from B run 1", bobOnB);
        Assert.Equal(2, keys.Length);
        Assert.All(keys, k => Assert.DoesNotContain("alice", k, StringComparison.OrdinalIgnoreCase));
        Assert.All(keys, k => Assert.DoesNotContain("7731", k, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("bob", k, StringComparison.OrdinalIgnoreCase));
    }
}
