using System.Collections;
using System.Net;
using System.Reflection;
using HybridCacheKit.AspNetCore.Invalidation;
using HybridCacheKit.AspNetCore.Invalidation.Admin;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>Route values come from the request: none of them may clear everything, smuggle control characters or grow state.</summary>
public sealed class HostileRouteValueTests
{
    private static Task<InvalidationTestApp> StartAsync() => InvalidationTestApp.StartAsync(
        builder =>
        {
            MinimalApiEndpoints.AddServices(builder.Services);
            RecordingHybridCache.Install(builder.Services);
        },
        MinimalApiEndpoints.Map);

    [Theory]
    [InlineData("/raw/*")]
    [InlineData("/raw/%2A")]
    [InlineData("/raw/%2a")]
    public async Task RouteValueStar_NeverClearsEverything(string path)
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.PutAsync(path, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(app.Services.GetRequiredService<RecordingHybridCache>().TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
        Assert.Single(app.Logs.WithEventId(3202));
    }

    [Theory]
    [InlineData("/raw/a%09b")]
    [InlineData("/raw/a%0Ab")]
    [InlineData("/raw/a%0D%0Ab")]
    [InlineData("/raw/a%1Bb")]
    [InlineData("/raw/a%7Fb")]
    [InlineData("/raw/a%C2%85b")]
    public async Task RouteValueWithControlCharacter_IsRefused(string path)
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PutAsync(path, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(app.Services.GetRequiredService<RecordingHybridCache>().TagCalls);
        Assert.Single(app.Logs.WithEventId(3202));
    }

    [Fact]
    public async Task RouteValueLongerThanTagLimit_IsRefused_AtTheLimit_IsAccepted()
    {
        await using var app = await StartAsync();
        var recorder = app.Services.GetRequiredService<RecordingHybridCache>();

        using (var tooLong = await app.Client.PutAsync("/raw/" + new string('a', 257), null))
        {
            Assert.Equal(HttpStatusCode.OK, tooLong.StatusCode);
        }

        Assert.Empty(recorder.TagCalls);

        using var atLimit = await app.Client.PutAsync("/raw/" + new string('b', 256), null);
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Equal([new string('b', 256)], recorder.Tags);
    }

    [Fact]
    public async Task RouteValueWithStarInside_IsAnOrdinaryTag()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.PutAsync("/attr/products/*", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["products", "product:*"], app.Services.GetRequiredService<RecordingHybridCache>().Tags);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
    }

    [Fact]
    public async Task FloodOfDistinctRouteValues_OneRemovalPerRequest_NoAmplification()
    {
        await using var app = await StartAsync();
        var recorder = app.Services.GetRequiredService<RecordingHybridCache>();
        const int requests = 2_000;

        for (var i = 0; i < requests; i++)
        {
            using var response = await app.Client.PutAsync($"/raw/flood-{i}", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(requests, recorder.TagCalls.Count);
        Assert.All(recorder.TagCalls, call => Assert.Single(call));
        Assert.Equal(requests, recorder.Tags.Distinct().Count());
    }

    [Theory]
    [InlineData(typeof(TagInvalidationMiddleware))]
    [InlineData(typeof(CacheInvalidator))]
    [InlineData(typeof(AdminEndpoints))]
    [InlineData(typeof(InvalidationStartupFilter))]
    public void InvalidationTypes_HoldNoCollections_SoRequestsCannotGrowTheirState(Type type)
    {
        // Whatever a flood of distinct values costs is the engine's (bounded, see docs/invalidation.md); this layer must
        // not add a cache, map or list of its own that requests could fill.
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
        var collections = fields.Where(f => f.FieldType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(f.FieldType)).Select(f => f.Name).ToArray();
        Assert.Empty(collections);
    }
}
