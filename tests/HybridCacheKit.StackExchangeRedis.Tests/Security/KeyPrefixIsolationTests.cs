using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Security;

/// <summary>Two applications with different instance names on one Redis see neither each other's entries, tags nor backplane messages.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class KeyPrefixIsolationTests(RedisServerFixture redis)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task GetOrCreateAsync_SameKeyInTwoApps_EachAppHasItsOwnEntry()
    {
        await using var shop = await StartAsync("shop");
        await using var admin = await StartAsync("admin");

        await shop.Cache.SetAsync("settings", "shop-settings");
        var adminValue = await admin.Cache.GetOrCreateAsync("settings", new CountingFactory<string>("admin-settings").InvokeAsync);

        Assert.Equal("admin-settings", adminValue);
        await using var shop2 = await StartAsync("shop");
        Assert.Equal("shop-settings", await shop2.Cache.GetOrCreateAsync("settings", new CountingFactory<string>("unexpected").InvokeAsync));
    }

    [Fact]
    public async Task RemoveByTagAsync_StarInOneApp_OtherAppsEntriesSurvive()
    {
        await using var shop = await StartAsync("shop");
        await using var admin = await StartAsync("admin");
        await admin.Cache.SetAsync("report", "admin-report", tags: ["reports"]);
        await shop.Cache.SetAsync("report", "shop-report", tags: ["reports"]);

        await shop.Cache.RemoveByTagAsync("*");
        await shop.Cache.RemoveByTagAsync("reports");

        // A fresh node of each app reads from Redis only (empty L1).
        await using var freshAdmin = await StartAsync("admin");
        await using var freshShop = await StartAsync("shop");
        Assert.Equal("admin-report", await freshAdmin.Cache.GetOrCreateAsync("report", new CountingFactory<string>("gone").InvokeAsync, tags: ["reports"]));
        Assert.Equal("gone", await freshShop.Cache.GetOrCreateAsync("report", new CountingFactory<string>("gone").InvokeAsync, tags: ["reports"]));
    }

    [Fact]
    public async Task SetAsync_InOtherApp_DoesNotEvictThisAppsL1Copy()
    {
        await using var shopA = await StartAsync("shop");
        await using var shopB = await StartAsync("shop");
        await using var admin = await StartAsync("admin");
        var never = new CountingFactory<string>("factory must not run");

        // Shop A computes both entries itself (a node ignores its own messages, so nothing in flight can evict them).
        Assert.Equal("10", await shopA.Cache.GetOrCreateAsync("price", new CountingFactory<string>("10").InvokeAsync));
        Assert.Equal("10", await shopA.Cache.GetOrCreateAsync("marker", new CountingFactory<string>("10").InvokeAsync));

        // Another app changes its own "price" and invalidates everything of its own.
        await admin.Cache.SetAsync("price", "99");
        await admin.Cache.RemoveByTagAsync("*");

        // A later message inside the shop app arrives (pub/sub keeps order on one server), so any admin message would have too.
        await shopB.Cache.SetAsync("marker", "changed");
        await RedisTestApp.Eventually.TrueAsync(async () => await shopA.Cache.GetOrCreateAsync("marker", never.InvokeAsync) == "changed", "shop A hears shop B");
        Assert.Equal("10", await shopA.Cache.GetOrCreateAsync("price", never.InvokeAsync, new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCache }));
        Assert.Equal(0, never.Calls);
    }

    private Task<RedisTestApp> StartAsync(string app) => RedisTestApp.StartAsync($"{app}-{_run}:", redis.ConfigurationString);
}
