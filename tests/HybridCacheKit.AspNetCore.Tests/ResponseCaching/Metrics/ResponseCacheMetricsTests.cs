using System.Diagnostics.Metrics;
using System.Net;
using HybridCacheKit.AspNetCore.Diagnostics;
using HybridCacheKit.AspNetCore.ResponseCaching;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>Hits, misses, 304s and the hit-duration histogram, through the real pipeline, one app per test.</summary>
public sealed class ResponseCacheMetricsTests
{
    [Fact]
    public async Task Get_MissThenHits_CountsOneMissThenL1Hits()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        var first = await host.GetBodyAsync("/item");
        var second = await host.GetBodyAsync("/item");
        var third = await host.GetBodyAsync("/item");

        Assert.Equal("item GET 1", first);
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.True(metrics.Misses == 1, metrics.Describe());
        Assert.True(metrics.Hits("l1") == 2, metrics.Describe());
        Assert.True(metrics.Outcomes == 3, metrics.Describe());
    }

    [Fact]
    public async Task Get_Hit_RecordsItsDurationWithTheTier()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/item");
        await host.GetBodyAsync("/item");

        var duration = Assert.Single(metrics.All, m => m.Instrument == HybridCacheKitAspNetCoreDiagnostics.ResponseHitDuration);
        Assert.Equal("l1", duration.Tags.Single(t => t.Key == HybridCacheKitAspNetCoreDiagnostics.TierTag).Value);
        Assert.InRange(duration.Value, double.Epsilon, 60);
    }

    [Fact]
    public async Task Get_Hit_DurationIsNotRecordedForMisses()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/item");
        await host.GetBodyAsync("/cookie");

        Assert.DoesNotContain(metrics.All, m => m.Instrument == HybridCacheKitAspNetCoreDiagnostics.ResponseHitDuration);
    }

    [Fact]
    public async Task Get_IfNoneMatchOfTheStoredETag_CountsA304AndAHit()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        var (first, _) = await host.SendFullyAsync(HttpMethod.Get, "/item");
        var etag = first.Headers.ETag!.Tag;
        first.Dispose();
        var (notModified, _) = await host.SendFullyAsync(HttpMethod.Get, "/item", null, ("If-None-Match", etag));
        notModified.Dispose();
        var (otherTag, _) = await host.SendFullyAsync(HttpMethod.Get, "/item", null, ("If-None-Match", "\"something-else\""));
        otherTag.Dispose();

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherTag.StatusCode);
        Assert.True(metrics.NotModified == 1, metrics.Describe());
        Assert.True(metrics.Misses == 1 && metrics.Hits("l1") == 2, metrics.Describe());
        Assert.True(metrics.Outcomes == 3, metrics.Describe());
    }

    [Fact]
    public async Task Get_IfModifiedSinceAfterStoring_CountsA304()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        var (first, _) = await host.SendFullyAsync(HttpMethod.Get, "/item");
        var lastModified = first.Content.Headers.LastModified!.Value;
        first.Dispose();
        var (notModified, _) = await host.SendFullyAsync(HttpMethod.Get, "/item", null, ("If-Modified-Since", lastModified.ToString("R")));
        notModified.Dispose();

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.True(metrics.NotModified == 1 && metrics.Hits("l1") == 1, metrics.Describe());
    }

    [Fact]
    public async Task Head_AfterGet_CountsAnL1Hit()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/item");
        var (head, _) = await host.SendFullyAsync(HttpMethod.Head, "/item");
        head.Dispose();

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(metrics.Misses == 1 && metrics.Hits("l1") == 1, metrics.Describe());
        Assert.True(metrics.Outcomes == 2, metrics.Describe());
    }

    [Fact]
    public async Task Get_EndpointWithoutPolicy_IsNotCounted()
    {
        await using var host = await CacheTestHost.StartAsync(app =>
        {
            app.UseDistributedResponseCache();
            app.MapGet("/plain", () => "plain");
        });
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/plain");
        await host.GetBodyAsync("/missing");

        Assert.Empty(metrics.All);
    }

    [Fact]
    public async Task Meter_ComesFromTheAppsMeterFactory_AndAnotherAppsRequestsAreNotSeen()
    {
        await using var host = await MetricsTestApp.StartAsync();
        await using var other = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);
        using var otherMetrics = new ResponseMetrics(other.App.Services);

        await other.GetBodyAsync("/item");
        await other.GetBodyAsync("/item");
        await host.GetBodyAsync("/cookie");

        var meter = host.App.Services.GetRequiredService<ResponseCacheInstruments>().Meter;
        Assert.Equal(HybridCacheKitAspNetCoreDiagnostics.MeterName, meter.Name);
        Assert.Same(host.App.Services.GetRequiredService<IMeterFactory>(), meter.Scope);
        Assert.True(metrics.Outcomes == 1 && metrics.NotStored("set_cookie") == 1, metrics.Describe());
        Assert.True(otherMetrics.Outcomes == 2 && otherMetrics.Misses == 1 && otherMetrics.Hits("l1") == 1, otherMetrics.Describe());
    }

    [Fact]
    public async Task HostileRequests_TagsCarryOnlyFixedValues()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);
        const string Marker = "zzsecretzz";
        string[] urls =
        [
            $"/item?{Marker}=<script>",
            $"/item?q={Marker}%0D%0ASet-Cookie:%20x",
            $"/products/{Marker}%0A",
            $"/products/{Marker}",
            $"/cache-control?value=private,{Marker}",
            $"/vary?value={Marker}",
            $"/status/404?{Marker}",
            $"/cookie?{Marker}",
            $"/user?{Marker}",
        ];

        foreach (var url in urls)
        {
            await host.GetBodyAsync(url, ("X-Tenant", Marker), ("User-Agent", Marker), ("Referer", "http://" + Marker + "/"));
            await host.GetBodyAsync(url, ("Authorization", "Bearer " + Marker));
            await host.GetBodyAsync(url, TestAuthentication.As(Marker));
            await host.GetBodyAsync(url);
        }

        Assert.True(metrics.Outcomes == urls.Length * 4, metrics.Describe());
        string[] tagKeys = [HybridCacheKitAspNetCoreDiagnostics.TierTag, HybridCacheKitAspNetCoreDiagnostics.ReasonTag];
        var allowed = Enum.GetValues<NotStoredReason>().Select(NotStoredReasons.TagValue).Concat(["l1", "l2"]).ToHashSet();
        foreach (var measurement in metrics.All)
        {
            foreach (var (key, value) in measurement.Tags)
            {
                Assert.Contains(key, tagKeys);
                var text = Assert.IsType<string>(value);
                Assert.Contains(text, allowed);
                Assert.DoesNotContain(Marker, text, StringComparison.Ordinal);
            }
        }
    }
}
