using System.Net;

namespace HybridCacheKit.Demo.Tests;

public sealed class ProductEndpointTests : IDisposable
{
    private readonly DemoApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task GetProduct_SecondRequest_IsServedFromCacheWithoutQuery()
    {
        var first = await _app.GetProductAsync(1);
        var second = await _app.GetProductAsync(1);

        Assert.Equal("database", first.Source);
        Assert.Equal(1, first.DatabaseQueries);
        Assert.Equal("cache", second.Source);
        Assert.Equal(1, second.DatabaseQueries);
        Assert.Equal(first.GeneratedAt, second.GeneratedAt);
        Assert.Equal(first.Product, second.Product);
    }

    [Fact]
    public async Task GetProduct_DifferentIds_AreCachedSeparately()
    {
        var one = await _app.GetProductAsync(1);
        var two = await _app.GetProductAsync(2);

        Assert.Equal("database", two.Source);
        Assert.Equal(2, two.DatabaseQueries);
        Assert.NotEqual(one.Product.Name, two.Product.Name);
    }

    [Fact]
    public async Task GetProduct_UnknownId_Returns404AndIsNotCached()
    {
        var client = _app.CreateClient();

        using var first = await client.GetAsync("/products/99");
        using var second = await client.GetAsync("/products/99");

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal(2, (await _app.GetStatsAsync()).DatabaseQueries);
    }

    [Fact]
    public async Task GetProduct_ConcurrentRequests_QueryTheDatabaseOnce()
    {
        using var slowApp = new DemoApp(databaseDelayMs: 500);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => slowApp.GetProductAsync(4)));

        Assert.Equal(1, (await slowApp.GetStatsAsync()).DatabaseQueries);
        Assert.Single(responses.Select(r => r.GeneratedAt).Distinct());
        Assert.Single(responses, r => r.Source == "database");
    }

    [Fact]
    public async Task UpdatePrice_CachedProduct_NextGetRunsFactoryAndShowsNewPrice()
    {
        var before = await _app.GetProductAsync(1);

        await _app.SendAsync(HttpMethod.Post, "/products/1/price?value=199.90");
        var after = await _app.GetProductAsync(1);

        Assert.NotEqual(199.90m, before.Product.Price);
        Assert.Equal("database", after.Source);
        Assert.Equal(199.90m, after.Product.Price);
        Assert.Equal(2, after.DatabaseQueries);
    }

    [Fact]
    public async Task UpdatePrice_OneProduct_InvalidatesListButNotOtherProducts()
    {
        await _app.GetProductsAsync();
        await _app.GetProductAsync(2);

        await _app.SendAsync(HttpMethod.Post, "/products/3/price?value=42.00");
        var list = await _app.GetProductsAsync();
        var other = await _app.GetProductAsync(2);

        Assert.Equal("database", list.Source);
        Assert.Equal(42.00m, list.Products.Single(p => p.Id == 3).Price);
        Assert.Equal("cache", other.Source);
    }

    [Fact]
    public async Task UpdatePrice_NonPositiveValue_Returns400AndKeepsCache()
    {
        await _app.GetProductAsync(1);

        using var response = await _app.CreateClient().PostAsync("/products/1/price?value=-5", null);
        var after = await _app.GetProductAsync(1);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("cache", after.Source);
    }

    [Fact]
    public async Task GetProduct_DatabaseDownAfterExpiry_ServesStaleValue()
    {
        using var shortLived = new DemoApp(cacheExpirationSeconds: 0.5);
        var fresh = await shortLived.GetProductAsync(5);
        await shortLived.SendAsync(HttpMethod.Post, "/database/outage?down=true");
        await Task.Delay(TimeSpan.FromSeconds(1));

        var stale = await shortLived.GetProductAsync(5);

        Assert.Equal(fresh.GeneratedAt, stale.GeneratedAt);
        Assert.Equal("stale cache (fail-safe)", stale.Source);
        Assert.Equal(1, (await shortLived.GetStatsAsync()).Cache.StaleServed);
    }

    [Fact]
    public async Task GetProduct_DatabaseDownAndNothingCached_Returns503()
    {
        await _app.SendAsync(HttpMethod.Post, "/database/outage?down=true");

        using var response = await _app.CreateClient().GetAsync("/products/1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
