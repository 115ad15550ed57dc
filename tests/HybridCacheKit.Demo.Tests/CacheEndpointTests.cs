namespace HybridCacheKit.Demo.Tests;

public sealed class CacheEndpointTests : IDisposable
{
    private readonly DemoApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task AdminClearAll_AfterSeveralEntriesCached_EveryEntryIsFetchedAgain()
    {
        await _app.GetProductAsync(1);
        await _app.GetProductAsync(2);
        await _app.GetProductsAsync();

        await _app.AdminAsync(HttpMethod.Delete, "/_cache/all");
        var one = await _app.GetProductAsync(1);
        var two = await _app.GetProductAsync(2);
        var list = await _app.GetProductsAsync();

        Assert.Equal("database", one.Source);
        Assert.Equal("database", two.Source);
        Assert.Equal("database", list.Source);
        Assert.Equal(6, list.DatabaseQueries);
    }

    [Fact]
    public async Task AdminTag_ProductTag_InvalidatesOnlyEntriesWithThatTag()
    {
        await _app.GetProductAsync(1);
        await _app.GetProductAsync(2);

        await _app.AdminAsync(HttpMethod.Delete, "/_cache/tags/product:1");
        var one = await _app.GetProductAsync(1);
        var two = await _app.GetProductAsync(2);

        Assert.Equal("database", one.Source);
        Assert.Equal("cache", two.Source);
    }

    [Fact]
    public async Task AdminTag_ProductsTag_InvalidatesEveryProductEntry()
    {
        await _app.GetProductAsync(1);
        await _app.GetProductsAsync();

        await _app.AdminAsync(HttpMethod.Delete, "/_cache/tags/products");
        var one = await _app.GetProductAsync(1);
        var list = await _app.GetProductsAsync();

        Assert.Equal("database", one.Source);
        Assert.Equal("database", list.Source);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("test-admin-key ")]
    public async Task Admin_WithoutTheRightKey_IsRefusedAndEvictsNothing(string? key)
    {
        await _app.GetProductAsync(1);
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/_cache/tags/product:1");
        if (key is not null)
        {
            request.Headers.Add("X-Admin-Key", key);
        }

        using var response = await _app.CreateClient().SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("cache", (await _app.GetProductAsync(1)).Source);
    }

    [Fact]
    public async Task Catalog_SecondRequest_IsTheStoredResponseWithETagAndAge()
    {
        var client = _app.CreateClient();
        using var first = await client.GetAsync("/catalog");
        using var second = await client.GetAsync("/catalog");

        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.NotNull(second.Headers.ETag);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.True(second.Headers.Contains("Age"));

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/catalog");
        conditional.Headers.IfNoneMatch.Add(second.Headers.ETag!);
        using var notModified = await client.SendAsync(conditional);
        Assert.Equal(System.Net.HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task PriceUpdate_InvalidatesTheCachedCatalog()
    {
        var client = _app.CreateClient();
        var before = await client.GetStringAsync("/catalog");
        Assert.Equal(before, await client.GetStringAsync("/catalog"));

        await _app.SendAsync(HttpMethod.Post, "/products/1/price?value=1234.5");
        var after = await client.GetStringAsync("/catalog");

        Assert.NotEqual(before, after);
        Assert.Contains("1234.5", after);
    }

    [Fact]
    public async Task Session_CountsVisitsOfOneCookie()
    {
        var client = _app.CreateClient(); // the test client keeps cookies
        Assert.Contains("\"visits\":1", await client.GetStringAsync("/session"));
        Assert.Contains("\"visits\":2", await client.GetStringAsync("/session"));
        Assert.Contains("\"visits\":1", await _app.CreateClient().GetStringAsync("/session"));
    }
}
