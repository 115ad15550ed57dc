namespace HybridCacheKit.Demo.Tests;

public sealed class StatsEndpointTests : IDisposable
{
    private readonly DemoApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task GetStats_AfterMissThenTwoHits_CountsOneMissAndTwoHits()
    {
        var before = await _app.GetStatsAsync();

        await _app.GetProductAsync(3);
        await _app.GetProductAsync(3);
        await _app.GetProductAsync(3);
        var after = await _app.GetStatsAsync();

        Assert.Equal(before.Cache.L1Hits + 2, after.Cache.L1Hits);
        Assert.Equal(before.Cache.L1Misses + 1, after.Cache.L1Misses);
        Assert.Equal(before.Cache.FactoryRuns + 1, after.Cache.FactoryRuns);
        Assert.Equal(1, after.DatabaseQueries);
    }

    [Fact]
    public async Task GetStats_AfterPriceUpdate_CountsTagInvalidations()
    {
        await _app.SendAsync(HttpMethod.Post, "/products/2/price?value=10");

        var stats = await _app.GetStatsAsync();

        Assert.Equal(2, stats.Cache.TagInvalidations); // product:2 and catalog
    }

    [Fact]
    public async Task GetStats_OtherAppInSameProcess_DoesNotCountItsTraffic()
    {
        using var other = new DemoApp();
        await other.GetProductAsync(1);
        await other.GetProductAsync(1);

        var stats = await _app.GetStatsAsync();

        Assert.Equal(0, stats.Cache.L1Hits);
        Assert.Equal(0, stats.Cache.FactoryRuns);
    }
}
