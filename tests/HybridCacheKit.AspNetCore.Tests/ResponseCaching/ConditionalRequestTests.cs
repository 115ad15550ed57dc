using System.Net;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>ETag, Last-Modified, 304 for If-None-Match and If-Modified-Since, the Age header, expiry: on a fake clock.</summary>
public sealed class ConditionalRequestTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(CacheTestHost Host, FakeTimeProvider Time)> StartAsync()
    {
        var time = new FakeTimeProvider(s_start);
        var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseDistributedResponseCache();
                app.MapMethods("/page", ["GET", "HEAD"], (HttpContext ctx, CallCounter c) =>
                {
                    ctx.Response.Headers.CacheControl = "public, max-age=30";
                    return $"page {c.Next("page")}";
                }).CacheResponse(p => p.Duration(TimeSpan.FromSeconds(60)));
                app.MapGet("/gone", (CallCounter c) => Results.Text($"gone {c.Next("gone")}", statusCode: 404)).CacheResponse();
                app.MapGet("/own-validators", (HttpContext ctx, CallCounter c) =>
                {
                    ctx.Response.Headers.ETag = "\"v1\"";
                    ctx.Response.Headers.LastModified = "Tue, 03 Feb 2026 10:00:00 GMT";
                    return $"own {c.Next("own")}";
                }).CacheResponse();
            },
            options: o => o.CacheableStatusCodes.Add(404),
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(time));
        return (host, time);
    }

    [Theory]
    [InlineData("If-None-Match", "*")]
    [InlineData("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT")]
    public async Task Get_ConditionalRequestForAStored404_GetsThe404NotA304(string header, string value)
    {
        // Preconditions apply only to what would be a 2xx response (RFC 9110 section 13.2.1).
        var (host, _) = await StartAsync();
        await using var __ = host;
        using var first = await host.SendAsync(HttpMethod.Get, "/gone");

        using var conditional = await host.SendAsync(HttpMethod.Get, "/gone", (header, value));

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, conditional.StatusCode);
        Assert.Equal("gone 1", await conditional.Content.ReadAsStringAsync());
        Assert.Equal(1, host.Calls["gone"]);
    }

    [Fact]
    public async Task Get_StoredResponse_HasStrongETagLastModifiedAndOnHitsAnAge()
    {
        var (host, time) = await StartAsync();
        await using var _ = host;

        using var first = await host.SendAsync(HttpMethod.Get, "/page");
        time.Advance(TimeSpan.FromSeconds(7));
        using var hit = await host.SendAsync(HttpMethod.Get, "/page");

        Assert.NotNull(first.Headers.ETag);
        Assert.False(first.Headers.ETag!.IsWeak);
        Assert.Equal(first.Headers.ETag, hit.Headers.ETag);
        Assert.Equal(s_start, first.Content.Headers.LastModified);
        Assert.Equal(s_start, hit.Content.Headers.LastModified);
        Assert.Null(first.Headers.Age);
        Assert.Equal(TimeSpan.FromSeconds(7), hit.Headers.Age);
        Assert.Equal("page 1", await hit.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_BodyChangesAfterExpiry_GetsANewETag()
    {
        var (host, time) = await StartAsync();
        await using var _ = host;

        using var page1 = await host.SendAsync(HttpMethod.Get, "/page?x=1");
        time.Advance(TimeSpan.FromSeconds(61));
        using var page1Again = await host.SendAsync(HttpMethod.Get, "/page?x=1");

        // The body changed ("page 2"), so the tag changed too: the tag follows the bytes.
        Assert.NotEqual(page1.Headers.ETag, page1Again.Headers.ETag);
        Assert.Equal("page 2", await page1Again.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("exact")]
    [InlineData("weak")]
    [InlineData("list")]
    [InlineData("star")]
    public async Task Get_IfNoneMatchMatches_Returns304WithValidatorsAndNoBody(string form)
    {
        var (host, _) = await StartAsync();
        await using var __ = host;
        using var first = await host.SendAsync(HttpMethod.Get, "/page");
        var tag = first.Headers.ETag!.Tag;
        var header = form switch
        {
            "exact" => tag,
            "weak" => "W/" + tag,
            "list" => "\"other\", " + tag,
            _ => "*",
        };

        using var conditional = await host.SendAsync(HttpMethod.Get, "/page", ("If-None-Match", header));

        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
        Assert.Empty(await conditional.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, conditional.Headers.ETag);
        Assert.Equal("public, max-age=30", conditional.Headers.CacheControl!.ToString());
        Assert.NotNull(conditional.Headers.Age);
        Assert.Equal(1, host.Calls["page"]);
    }

    [Fact]
    public async Task Get_IfNoneMatchDiffers_ReturnsTheFullResponse()
    {
        var (host, _) = await StartAsync();
        await using var __ = host;
        await host.SendAsync(HttpMethod.Get, "/page");

        using var conditional = await host.SendAsync(HttpMethod.Get, "/page", ("If-None-Match", "\"something-else\""));

        Assert.Equal(HttpStatusCode.OK, conditional.StatusCode);
        Assert.Equal("page 1", await conditional.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_IfModifiedSinceAtOrAfterStoreTime_Returns304()
    {
        var (host, time) = await StartAsync();
        await using var _ = host;
        await host.SendAsync(HttpMethod.Get, "/page");
        time.Advance(TimeSpan.FromSeconds(3));

        using var same = await host.SendAsync(HttpMethod.Get, "/page", ("If-Modified-Since", HeaderUtilities.FormatDate(s_start)));
        using var later = await host.SendAsync(HttpMethod.Get, "/page", ("If-Modified-Since", HeaderUtilities.FormatDate(s_start.AddMinutes(5))));
        using var earlier = await host.SendAsync(HttpMethod.Get, "/page", ("If-Modified-Since", HeaderUtilities.FormatDate(s_start.AddSeconds(-1))));

        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, later.StatusCode);
        Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);
        Assert.Equal("page 1", await earlier.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_IfNoneMatchFailsButIfModifiedSinceMatches_IfNoneMatchWins()
    {
        var (host, _) = await StartAsync();
        await using var __ = host;
        await host.SendAsync(HttpMethod.Get, "/page");

        using var response = await host.SendAsync(
            HttpMethod.Get,
            "/page",
            ("If-None-Match", "\"nope\""),
            ("If-Modified-Since", HeaderUtilities.FormatDate(s_start.AddDays(1))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Get_AppSetValidators_AreKeptAndUsedFor304()
    {
        var (host, _) = await StartAsync();
        await using var __ = host;

        using var first = await host.SendAsync(HttpMethod.Get, "/own-validators");
        using var byTag = await host.SendAsync(HttpMethod.Get, "/own-validators", ("If-None-Match", "\"v1\""));
        using var byDate = await host.SendAsync(HttpMethod.Get, "/own-validators", ("If-Modified-Since", "Tue, 03 Feb 2026 10:00:00 GMT"));

        Assert.Equal("\"v1\"", first.Headers.ETag!.Tag);
        Assert.Equal(new DateTimeOffset(2026, 2, 3, 10, 0, 0, TimeSpan.Zero), first.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotModified, byTag.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, byDate.StatusCode);
        Assert.Equal(1, host.Calls["own"]);
    }

    [Fact]
    public async Task Head_IfNoneMatchMatches_Returns304()
    {
        var (host, _) = await StartAsync();
        await using var __ = host;
        using var first = await host.SendAsync(HttpMethod.Get, "/page");

        using var head = await host.SendAsync(HttpMethod.Head, "/page", ("If-None-Match", first.Headers.ETag!.Tag));

        Assert.Equal(HttpStatusCode.NotModified, head.StatusCode);
    }

    [Fact]
    public async Task Get_AfterDuration_RunsTheEndpointAgain()
    {
        var (host, time) = await StartAsync();
        await using var _ = host;
        await host.GetStringAsync("/page");

        time.Advance(TimeSpan.FromSeconds(59));
        var stillCached = await host.GetStringAsync("/page");
        time.Advance(TimeSpan.FromSeconds(2));
        var refreshed = await host.GetStringAsync("/page");

        Assert.Equal("page 1", stillCached);
        Assert.Equal("page 2", refreshed);
    }
}
