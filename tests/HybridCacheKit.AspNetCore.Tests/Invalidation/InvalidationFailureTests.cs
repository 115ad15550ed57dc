using System.Net;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>What a successful write's client sees when its tags cannot be invalidated.</summary>
public sealed class InvalidationFailureTests
{
    private static Task<InvalidationTestApp> StartAsync(bool kestrel, Action<WebApplicationBuilder>? configure = null) => InvalidationTestApp.StartAsync(
        builder =>
        {
            MinimalApiEndpoints.AddServices(builder.Services);
            configure?.Invoke(builder);
            RecordingHybridCache.Install(builder.Services);
        },
        MinimalApiEndpoints.Map,
        kestrel);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CacheFails_ByDefault_ResponseUnchanged_FailureLoggedWithoutTags(bool kestrel)
    {
        await using var app = await StartAsync(kestrel);
        app.Services.GetRequiredService<RecordingHybridCache>().FailRemovals = true;

        using var response = await app.Client.PutAsync("/attr/products/secret-42", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("secret-42", await response.Content.ReadAsStringAsync());
        var error = Assert.Single(app.Logs.WithEventId(3203));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.IsType<InvalidOperationException>(error.Exception);
        Assert.DoesNotContain("secret-42", error.FullText);
    }

    [Fact]
    public async Task CacheFails_WithFailRequestOnInvalidationError_KestrelAnswers500WithoutTheSuccessBody()
    {
        await using var app = await StartAsync(kestrel: true, b => b.Services.AddCacheInvalidator(o => o.FailRequestOnInvalidationError = true));
        app.Services.GetRequiredService<RecordingHybridCache>().FailRemovals = true;

        using var response = await app.Client.PutAsync("/attr/products/42", null);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("42", await response.Content.ReadAsStringAsync());
        Assert.Single(app.Logs.WithEventId(3204));
    }

    [Fact]
    public async Task CacheFails_WithFailRequestOnInvalidationError_NoContentResponse_Answers500()
    {
        await using var app = await StartAsync(kestrel: true, b => b.Services.AddCacheInvalidator(o => o.FailRequestOnInvalidationError = true));
        app.Services.GetRequiredService<RecordingHybridCache>().FailRemovals = true;

        using var response = await app.Client.PutAsync("/attr/products/42?status=204", null);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(app.Logs.WithEventId(3204));
    }

    [Fact]
    public async Task CacheWorksAgain_AfterAFailure_NextWriteInvalidates()
    {
        await using var app = await StartAsync(kestrel: false);
        var recorder = app.Services.GetRequiredService<RecordingHybridCache>();
        recorder.FailRemovals = true;
        using (var failed = await app.Client.PutAsync("/attr/products/42", null))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        recorder.FailRemovals = false;
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        using var response = await app.Client.PutAsync("/attr/products/42", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }
}
