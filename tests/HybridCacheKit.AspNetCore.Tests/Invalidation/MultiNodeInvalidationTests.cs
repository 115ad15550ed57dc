using System.Net;
using System.Text;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>
/// Two nodes over one real redis-server, each its own host and service provider. Node B caches tagged values in its
/// L1 (an hour long, so only an invalidation can make it recompute); a write, an admin call or ICacheInvalidator on
/// node A must make B run its factory again. B learns through the backplane, so the tests poll with a deadline.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class MultiNodeInvalidationTests(RedisServerFixture redis) : IAsyncLifetime
{
    private readonly string _instance = $"inv-{Guid.NewGuid():N}:";
    private InvalidationTestApp _a = null!;
    private InvalidationTestApp _b = null!;

    public async Task InitializeAsync()
    {
        _a = await RedisNode.StartAsync(redis.ConfigurationString, _instance);
        _b = await RedisNode.StartAsync(redis.ConfigurationString, _instance);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static ValueTask<string> ReadAsync(InvalidationTestApp node, string key, CountingFactory<string> factory, params string[] tags)
        => node.Cache.GetOrCreateAsync(key, factory.InvokeAsync, CacheProbe.LongLived, tags);

    /// <summary>Caches <paramref name="key"/> on B and proves B now serves it from its own L1 copy.</summary>
    private async Task<CountingFactory<string>> SeedOnBAsync(string key, params string[] tags)
    {
        var factory = new CountingFactory<string>(run => $"{key}#{run}");
        Assert.Equal($"{key}#1", await ReadAsync(_b, key, factory, tags));
        Assert.Equal($"{key}#1", await ReadAsync(_b, key, factory, tags));
        Assert.Equal(1, factory.Calls);
        return factory;
    }

    private Task UntilBRecomputesAsync(string key, CountingFactory<string> factory, string[] tags, string what)
        => Poll.UntilAsync(async () => await ReadAsync(_b, key, factory, tags) == $"{key}#2", $"Node B still served '{key}' after {what} on node A");

    [Fact]
    public async Task PutWithInvalidatesTags_OnA_BRunsItsFactoryAgain_OtherEntriesStay()
    {
        var p42 = await SeedOnBAsync("p42", "product:42");
        var p7 = await SeedOnBAsync("p7", "product:7");

        using var response = await _a.Client.PutAsync("/products/42", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await UntilBRecomputesAsync("p42", p42, ["product:42"], "PUT /products/42");
        Assert.Equal(2, p42.Calls);
        Assert.Equal("p7#1", await ReadAsync(_b, "p7", p7, "product:7"));
    }

    [Fact]
    public async Task PutWithInvalidatesTags_OnA_ReadYourWritesOnA_WithoutWaiting()
    {
        var factory = new CountingFactory<string>(run => $"a#{run}");
        Assert.Equal("a#1", await ReadAsync(_a, "pa", factory, "product:5"));
        Assert.Equal("a#1", await ReadAsync(_a, "pa", factory, "product:5"));

        using var response = await _a.Client.PutAsync("/products/5", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a#2", await ReadAsync(_a, "pa", factory, "product:5"));
    }

    [Fact]
    public async Task PutWithInvalidatesTags_OnA_ANodeStartedAfterwardsReadsTheTagRecordFromL2()
    {
        var factory = new CountingFactory<string>(run => $"l2#{run}");
        Assert.Equal("l2#1", await ReadAsync(_a, "pl", factory, "product:6"));

        using (var response = await _a.Client.PutAsync("/products/6", null))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A node that was not running during the write has no L1 copy and no message: only L2's tag record tells it.
        await using var late = await RedisNode.StartAsync(redis.ConfigurationString, _instance);
        Assert.Equal("l2#2", await ReadAsync(late, "pl", factory, "product:6"));
    }

    [Fact]
    public async Task NonSuccessPut_OnA_InvalidatesNothingOnB()
    {
        var p42 = await SeedOnBAsync("p42", "product:42");
        var p7 = await SeedOnBAsync("p7", "product:7");

        using (var failed = await _a.Client.PutAsync("/products/42?status=404", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, failed.StatusCode);
        }

        // A later successful write is the marker: once B has processed its message, it would have processed any
        // message the failed write sent before it (one publisher, one channel, in order).
        using (var marker = await _a.Client.PutAsync("/products/7", null))
        {
            Assert.Equal(HttpStatusCode.OK, marker.StatusCode);
        }

        await UntilBRecomputesAsync("p7", p7, ["product:7"], "PUT /products/7");
        Assert.Equal("p42#1", await ReadAsync(_b, "p42", p42, "product:42"));
    }

    [Fact]
    public async Task AdminEndpoint_OnA_EvictsTagAndKeyOnB()
    {
        var tagged = await SeedOnBAsync("p42", "product:42");
        var keyed = await SeedOnBAsync("home-page");

        using (var tag = await _a.Client.DeleteAsync("/_cache/tags/product:42"))
        {
            Assert.Equal(HttpStatusCode.NoContent, tag.StatusCode);
        }

        using (var key = await _a.Client.PostAsync("/_cache/keys", new StringContent("""{"keys": ["home-page"]}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NoContent, key.StatusCode);
        }

        await UntilBRecomputesAsync("p42", tagged, ["product:42"], "DELETE /_cache/tags/product:42");
        await UntilBRecomputesAsync("home-page", keyed, [], "POST /_cache/keys");
    }

    [Fact]
    public async Task CacheInvalidator_OnA_EvictsTagKeyAndEverythingOnB()
    {
        var invalidator = _a.Services.GetRequiredService<ICacheInvalidator>();
        var tagged = await SeedOnBAsync("p42", "product:42");
        var keyed = await SeedOnBAsync("home-page");

        await invalidator.InvalidateTagAsync("product:42");
        await invalidator.InvalidateKeyAsync("home-page");

        await UntilBRecomputesAsync("p42", tagged, ["product:42"], "InvalidateTagAsync");
        await UntilBRecomputesAsync("home-page", keyed, [], "InvalidateKeyAsync");

        var other = await SeedOnBAsync("untagged-other");
        await invalidator.InvalidateAllAsync();
        await UntilBRecomputesAsync("untagged-other", other, [], "InvalidateAllAsync");
    }
}
