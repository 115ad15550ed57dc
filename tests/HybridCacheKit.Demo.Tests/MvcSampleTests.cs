using System.Net;
using HybridCacheKit.MvcSample;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HybridCacheKit.Demo.Tests;

/// <summary>The MVC sample through its real pipeline: [Cached] on actions, a named policy, [InvalidatesTags] on a PUT.</summary>
public sealed class MvcSampleTests : IDisposable
{
    private readonly WebApplicationFactory<ProductStore> _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Catalog_SecondRequest_IsServedFromTheCacheWithoutReadingTheStore()
    {
        var client = _app.CreateClient();
        var first = await client.GetStringAsync("/products");
        var second = await client.GetStringAsync("/products");

        Assert.Equal(first, second);
        Assert.Equal("1", await client.GetStringAsync("/store/reads"));
    }

    [Fact]
    public async Task PriceUpdate_InvalidatesTheProductAndTheCatalog()
    {
        var client = _app.CreateClient();
        await client.GetStringAsync("/products");
        await client.GetStringAsync("/products/2");
        await client.GetStringAsync("/products/3");

        using var put = await client.PutAsync("/products/2/price?value=99.5", null);
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);

        Assert.Contains("99.5", await client.GetStringAsync("/products/2"));
        Assert.Contains("99.5", await client.GetStringAsync("/products"));
        await client.GetStringAsync("/products/3"); // tagged "products" too: evicted as well
        Assert.Equal("6", await client.GetStringAsync("/store/reads"));
    }

    [Fact]
    public async Task FailedUpdate_InvalidatesNothing()
    {
        var client = _app.CreateClient();
        await client.GetStringAsync("/products/1");

        using var put = await client.PutAsync("/products/1/price?value=-1", null);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);

        await client.GetStringAsync("/products/1");
        Assert.Equal("1", await client.GetStringAsync("/store/reads"));
    }
}
