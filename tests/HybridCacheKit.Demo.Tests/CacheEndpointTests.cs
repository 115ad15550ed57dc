namespace HybridCacheKit.Demo.Tests;

public sealed class CacheEndpointTests : IDisposable
{
    private readonly DemoApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task DeleteCache_AfterSeveralEntriesCached_EveryEntryIsFetchedAgain()
    {
        await _app.GetProductAsync(1);
        await _app.GetProductAsync(2);
        await _app.GetProductsAsync();

        await _app.SendAsync(HttpMethod.Delete, "/cache");
        var one = await _app.GetProductAsync(1);
        var two = await _app.GetProductAsync(2);
        var list = await _app.GetProductsAsync();

        Assert.Equal("database", one.Source);
        Assert.Equal("database", two.Source);
        Assert.Equal("database", list.Source);
        Assert.Equal(6, list.DatabaseQueries);
    }

    [Fact]
    public async Task DeleteCacheTag_ProductTag_InvalidatesOnlyEntriesWithThatTag()
    {
        await _app.GetProductAsync(1);
        await _app.GetProductAsync(2);

        await _app.SendAsync(HttpMethod.Delete, "/cache/tags/product:1");
        var one = await _app.GetProductAsync(1);
        var two = await _app.GetProductAsync(2);

        Assert.Equal("database", one.Source);
        Assert.Equal("cache", two.Source);
    }

    [Fact]
    public async Task DeleteCacheTag_ProductsTag_InvalidatesEveryProductEntry()
    {
        await _app.GetProductAsync(1);
        await _app.GetProductsAsync();

        await _app.SendAsync(HttpMethod.Delete, "/cache/tags/products");
        var one = await _app.GetProductAsync(1);
        var list = await _app.GetProductsAsync();

        Assert.Equal("database", one.Source);
        Assert.Equal("database", list.Source);
    }
}
