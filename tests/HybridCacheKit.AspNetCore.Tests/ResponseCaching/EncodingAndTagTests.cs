using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>Responses with Content-Encoding vary by Accept-Encoding; tags (with route-value placeholders) evict entries.</summary>
public sealed class EncodingAndTagTests
{
    private static Task<CacheTestHost> StartAsync() => CacheTestHost.StartAsync(
        app =>
        {
            app.UseDistributedResponseCache();
            app.UseResponseCompression();
            app.MapMethods("/text", ["GET", "HEAD"], (CallCounter c) => $"text body {c.Next("text")} " + new string('x', 2000)).CacheResponse();
            app.MapGet("/products/{id}", (string id, CallCounter c) => $"product {id} {c.Next("product " + id)}")
                .CacheResponse(p => p.Tags("products", "product:{id}"));
            app.MapGet("/catalog", (CallCounter c) => $"catalog {c.Next("catalog")} " + new string('y', 2000))
                .CacheResponse(p => p.Tags("products"));
            app.MapControllers();
        },
        options => options.AddPolicy("by-lang", p => p.VaryByQuery("lang")),
        b =>
        {
            b.Services.AddResponseCompression(o =>
            {
                o.Providers.Add<GzipCompressionProvider>();
                o.MimeTypes = ["text/plain"];
            });
            b.Services.AddResponseCachingTestControllers();
        });

    private static async Task<(string Body, string? Encoding)> GetAsync(CacheTestHost host, string url, string? acceptEncoding)
    {
        using var response = acceptEncoding is null
            ? await host.SendAsync(HttpMethod.Get, url)
            : await host.SendAsync(HttpMethod.Get, url, ("Accept-Encoding", acceptEncoding));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var encoding = response.Content.Headers.ContentEncoding.SingleOrDefault();
        if (encoding == "gzip")
        {
            await using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            return (await reader.ReadToEndAsync(), encoding);
        }

        return (System.Text.Encoding.UTF8.GetString(bytes), encoding);
    }

    [Fact]
    public async Task Get_CompressedResponse_EachAcceptEncodingGetsItsOwnCachedRepresentation()
    {
        await using var host = await StartAsync();

        var gzip1 = await GetAsync(host, "/text", "gzip");
        var plain1 = await GetAsync(host, "/text", null);
        var gzip2 = await GetAsync(host, "/text", "gzip");
        var plain2 = await GetAsync(host, "/text", null);
        var gzipAgain = await GetAsync(host, "/text", " GZIP ");

        Assert.Equal("gzip", gzip1.Encoding);
        Assert.StartsWith("text body 1 ", gzip1.Body, StringComparison.Ordinal);
        Assert.Null(plain1.Encoding);
        Assert.StartsWith("text body 2 ", plain1.Body, StringComparison.Ordinal);
        Assert.Equal(gzip1, gzip2);
        Assert.Equal(plain1, plain2);
        Assert.Equal(gzip1, gzipAgain);
        Assert.Equal(2, host.Calls["text"]);
    }

    [Fact]
    public async Task Get_CompressedResponse_ETagDiffersPerEncodingAnd304Works()
    {
        await using var host = await StartAsync();

        using var gzip = await host.SendAsync(HttpMethod.Get, "/text", ("Accept-Encoding", "gzip"));
        using var plain = await host.SendAsync(HttpMethod.Get, "/text");
        using var revalidate = await host.SendAsync(HttpMethod.Get, "/text", ("Accept-Encoding", "gzip"), ("If-None-Match", gzip.Headers.ETag!.Tag));
        using var head = await host.SendAsync(HttpMethod.Head, "/text", ("Accept-Encoding", "gzip"));

        Assert.NotEqual(gzip.Headers.ETag, plain.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, revalidate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("gzip", head.Content.Headers.ContentEncoding.Single());
        Assert.Equal(2, host.Calls["text"]);
    }

    [Fact]
    public async Task RemoveByTag_RouteValueTag_EvictsOnlyThatProduct()
    {
        await using var host = await StartAsync();
        await host.GetStringAsync("/products/1");
        await host.GetStringAsync("/products/2");

        await host.Cache.RemoveByTagAsync("product:1");
        var one = await host.GetStringAsync("/products/1");
        var two = await host.GetStringAsync("/products/2");

        Assert.Equal("product 1 2", one);
        Assert.Equal("product 2 1", two);
    }

    [Fact]
    public async Task RemoveByTag_SharedTag_EvictsEveryTaggedEntryIncludingEncodedOnes()
    {
        await using var host = await StartAsync();
        await host.GetStringAsync("/products/1");
        await GetAsync(host, "/catalog", "gzip");
        await GetAsync(host, "/catalog", null);

        await host.Cache.RemoveByTagAsync("products");
        var one = await host.GetStringAsync("/products/1");
        var gzip = await GetAsync(host, "/catalog", "gzip");

        Assert.Equal("product 1 2", one);
        Assert.StartsWith("catalog 3 ", gzip.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveByTag_Star_EvictsEverything()
    {
        await using var host = await StartAsync();
        await host.GetStringAsync("/products/1");
        await host.GetStringAsync("/mvc/cached/inherited");

        await host.Cache.RemoveByTagAsync("*");

        Assert.Equal("product 1 2", await host.GetStringAsync("/products/1"));
        Assert.Equal("inherited 2", await host.GetStringAsync("/mvc/cached/inherited"));
    }

    [Fact]
    public async Task RemoveByTag_MvcActionTagWithPlaceholder_EvictsThatAction()
    {
        await using var host = await StartAsync();
        await host.GetStringAsync("/mvc/cached/product/5");
        await host.GetStringAsync("/mvc/cached/inherited");

        await host.Cache.RemoveByTagAsync("product:5");
        await host.Cache.RemoveByTagAsync("nothing");
        var product = await host.GetStringAsync("/mvc/cached/product/5");
        var inherited = await host.GetStringAsync("/mvc/cached/inherited");

        Assert.Equal("product 5 2", product);
        Assert.Equal("inherited 1", inherited);

        await host.Cache.RemoveByTagAsync("mvc");
        Assert.Equal("inherited 2", await host.GetStringAsync("/mvc/cached/inherited"));
    }
}
