using System.Net;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>[InvalidatesTags] on MVC controllers and actions, through the real MVC pipeline.</summary>
public sealed class MvcInvalidationTests
{
    private static Task<InvalidationTestApp> StartAsync(params Type[] controllers) => InvalidationTestApp.StartAsync(
        builder =>
        {
            TypesApplicationPart.AddControllers(builder.Services, controllers.Length == 0 ? [typeof(InvalidationProductsController)] : controllers);
            RecordingHybridCache.Install(builder.Services);
        },
        app => app.MapControllers());

    private static RecordingHybridCache Recorder(InvalidationTestApp app) => app.Services.GetRequiredService<RecordingHybridCache>();

    [Fact]
    public async Task ControllerAndActionAttributes_AddUp_RouteValueFilled()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        await CacheProbe.SeedAsync(app.Cache, "p7", "product:7");
        await CacheProbe.SeedAsync(app.Cache, "list", "products");

        using var response = await app.Client.PutAsync("/mvc/products/42", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["products", "product:42"], Recorder(app).Tags);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "list", "products"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p7", "product:7"));
    }

    [Fact]
    public async Task ActionWithSeveralTags_InvalidatesEachOnce()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PatchAsync("/mvc/products/42/price", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["products", "product:42", "prices"], Recorder(app).Tags);
        Assert.Single(Recorder(app).TagCalls);
    }

    [Fact]
    public async Task ControllerAttributeOnly_AppliesToWritesWithoutTheirOwn()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.DeleteAsync("/mvc/products/42");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["products"], Recorder(app).Tags);
    }

    [Fact]
    public async Task GetAction_InheritingControllerAttribute_InvalidatesNothing()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "list", "products");

        using var response = await app.Client.GetAsync("/mvc/products/42");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "list", "products"));
    }

    [Theory]
    [InlineData("PUT", "/mvc/products/42?status=404", HttpStatusCode.NotFound)]
    [InlineData("PUT", "/mvc/products/42?status=500", HttpStatusCode.InternalServerError)]
    [InlineData("POST", "/mvc/products/42/fail", HttpStatusCode.Conflict)]
    [InlineData("PUT", "/mvc/products/42?status=abc", HttpStatusCode.BadRequest)]
    public async Task NonSuccess_InvalidatesNothing(string method, string path, HttpStatusCode expected)
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }

    [Fact]
    public async Task MalformedTemplateOnController_ApplicationFailsToStart_NamingTemplateAndAction()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(typeof(InvalidationBrokenController)));

        Assert.Contains("product:{id", error.Message);
        Assert.Contains(nameof(InvalidationBrokenController), error.Message);
    }
}
