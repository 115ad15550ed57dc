using System.Net;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>[InvalidatesTags] and .InvalidatesTags() on minimal APIs, through the real pipeline and the real engine.</summary>
public sealed class TagInvalidationMiddlewareTests
{
    private static Task<InvalidationTestApp> StartAsync(Action<WebApplicationBuilder>? configure = null) => InvalidationTestApp.StartAsync(
        builder =>
        {
            MinimalApiEndpoints.AddServices(builder.Services);
            configure?.Invoke(builder);
            RecordingHybridCache.Install(builder.Services);
        },
        MinimalApiEndpoints.Map);

    private static RecordingHybridCache Recorder(InvalidationTestApp app) => app.Services.GetRequiredService<RecordingHybridCache>();

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Attribute_SuccessfulWrite_InvalidatesResolvedTagsOnly(string method)
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        await CacheProbe.SeedAsync(app.Cache, "p7", "product:7");
        await CacheProbe.SeedAsync(app.Cache, "list", "products");

        using var response = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/attr/products/42"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["products", "product:42"], Recorder(app).Tags);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "list", "products"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p7", "product:7"));
    }

    [Fact]
    public async Task Convention_SuccessfulWrite_InvalidatesSameTagsAsAttribute()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        await CacheProbe.SeedAsync(app.Cache, "p7", "product:7");

        using var response = await app.Client.PutAsync("/conv/products/42", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["products", "product:42"], Recorder(app).Tags);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p7", "product:7"));
    }

    [Fact]
    public async Task Convention_OnRouteGroup_AddsUpWithEndpointTags()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PostAsync("/group/items/9", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["group", "item:9"], Recorder(app).Tags.Order());
        Assert.Single(Recorder(app).TagCalls);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(204)]
    [InlineData(299)]
    public async Task SuccessStatuses_OtherThan200_Invalidate(int status)
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PutAsync($"/attr/products/42?status={status}", null);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(["products", "product:42"], Recorder(app).Tags);
    }

    [Theory]
    [InlineData(302)]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task NonSuccessStatus_InvalidatesNothing(int status)
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.PutAsync($"/attr/products/42?status={status}", null);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }

    [Fact]
    public async Task EndpointThrows_InvalidatesNothing()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.PutAsync("/throws/42", null);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }

    [Theory]
    [InlineData("GET", "/attr/products/42")]
    [InlineData("HEAD", "/attr/products/42")]
    [InlineData("GET", "/conv/products/42")]
    [InlineData("HEAD", "/conv/products/42")]
    public async Task SafeMethods_NeverInvalidate(string method, string path)
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }

    [Fact]
    public async Task Invalidation_HappensBeforeTheClientSeesTheResponse()
    {
        // The endpoint sends its headers and a first chunk, then waits. By the time the client holds the headers, the
        // tag must already be invalidated: that is what lets a client that got 2xx read its own write.
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        var gate = app.Services.GetRequiredService<MinimalApiEndpoints.Gate>();

        using var response = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/stream/42"), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(gate.Opened.Task.IsCompleted);
        Assert.Equal(["product:42"], Recorder(app).Tags);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));

        gate.Opened.SetResult();
        Assert.Equal("first;rest", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RouteValueMissing_SkipsThatTemplate_InvalidatesTheOthers_AndWarns()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PutAsync("/missing/1", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["products"], Recorder(app).Tags);
        var warning = Assert.Single(app.Logs.WithEventId(3202));
        Assert.Contains("1 tag template(s)", warning.Message);
    }

    [Fact]
    public async Task LiteralStarTemplate_ClearsEverything_OnPurpose()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.PostAsync("/reset", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["*"], Recorder(app).Tags);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
    }

    [Fact]
    public async Task Logs_DoNotContainTags_ByDefault()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PutAsync("/attr/products/secret-sku-1234", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = Assert.Single(app.Logs.WithEventId(3201));
        Assert.Contains("[redacted]", entry.FullText);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("HybridCacheKit", StringComparison.Ordinal) && e.FullText.Contains("secret-sku-1234", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_ContainTags_WhenEngineIncludesKeysInLogs()
    {
        await using var app = await StartAsync(b => b.Services.AddHybridCacheKit(o => o.IncludeKeysInLogs = true));

        using var response = await app.Client.PutAsync("/attr/products/sku-1234", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = Assert.Single(app.Logs.WithEventId(3201));
        Assert.Contains("product:sku-1234", entry.FullText);
    }
}
