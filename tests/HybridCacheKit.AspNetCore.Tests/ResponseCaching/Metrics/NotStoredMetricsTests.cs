using System.Net;
using HybridCacheKit.AspNetCore.ResponseCaching;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>
/// <c>hybridcache.response.not_stored</c>: every way a request can end without a stored response is counted once, under
/// its own reason, and under no other outcome. Each input is the real thing (a real cookie, real headers, real
/// credentials through a real authentication handler), sent twice: twice not stored proves nothing was cached in between.
/// </summary>
public sealed class NotStoredMetricsTests
{
    [Theory]
    [InlineData("/cookie", "set_cookie")]
    [InlineData("/late-cookie", "set_cookie")]
    [InlineData("/cache-control?value=private", "cache_control")]
    [InlineData("/cache-control?value=private,%20max-age=60", "cache_control")]
    [InlineData("/cache-control?value=no-store", "cache_control")]
    [InlineData("/vary?value=*", "vary_star")]
    [InlineData("/vary?value=X-Tenant,%20*", "vary_star")]
    [InlineData("/vary?value=Cookie", "vary_header")]
    [InlineData("/status/404", "status")]
    [InlineData("/status/500", "status")]
    [InlineData("/big", "too_large")]
    [InlineData("/unbuffered", "buffering_disabled")]
    [InlineData("/products/a%0Ab", "tag")]
    [InlineData("/throws", "endpoint_error")]
    public async Task Get_ResponseThatCannotBeStored_CountsItsReasonEveryTime(string url, string reason)
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync(url);
        await host.GetBodyAsync(url);

        Assert.True(metrics.NotStored(reason) == 2, metrics.Describe());
        Assert.True(metrics.Outcomes == 2, metrics.Describe());
    }

    [Fact]
    public async Task Get_WithAuthorizationHeader_CountsAuthenticatedAndNeverAHit()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        // A bearer token no handler understands, then a real signed-in user.
        await host.GetBodyAsync("/user", ("Authorization", "Bearer stolen-token"));
        await host.GetBodyAsync("/user", ("Authorization", "Bearer stolen-token"));
        await host.GetBodyAsync("/user", TestAuthentication.As("alice"));

        Assert.True(metrics.NotStored("authenticated") == 3, metrics.Describe());
        Assert.True(metrics.Outcomes == 3, metrics.Describe());
        Assert.Equal(3, host.Calls["user"]);
    }

    [Fact]
    public async Task Send_UnsafeMethodOnACachedEndpoint_CountsMethod()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        var (post, _) = await host.SendFullyAsync(HttpMethod.Post, "/item", new StringContent("x"));
        post.Dispose();

        Assert.True(metrics.NotStored("method") == 1, metrics.Describe());
        Assert.True(metrics.Outcomes == 1, metrics.Describe());
    }

    [Fact]
    public async Task Get_WithABody_CountsRequestBody()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        var (fat, body) = await host.SendFullyAsync(HttpMethod.Get, "/fat", new StringContent("evil"));
        fat.Dispose();

        Assert.Equal("fat evil 1", body);
        Assert.True(metrics.NotStored("request_body") == 1, metrics.Describe());
        Assert.True(metrics.Outcomes == 1, metrics.Describe());
    }

    [Fact]
    public async Task Get_ClientNoCacheWhenHonoured_CountsClientCacheControl()
    {
        await using var host = await MetricsTestApp.StartAsync(options: o => o.HonorRequestCacheControl = true);
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/item", ("Cache-Control", "no-cache"));
        await host.GetBodyAsync("/item", ("Pragma", "no-cache"));

        Assert.True(metrics.NotStored("client_cache_control") == 2, metrics.Describe());
        Assert.True(metrics.Outcomes == 2, metrics.Describe());
    }

    [Fact]
    public async Task Get_ClientNoCacheNotHonoured_IsAnOrdinaryMissThenHit()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/item", ("Cache-Control", "no-cache"));
        await host.GetBodyAsync("/item", ("Cache-Control", "no-cache"));

        Assert.True(metrics.Misses == 1 && metrics.Hits("l1") == 1, metrics.Describe());
        Assert.Equal(0, metrics.NotStored());
    }

    [Fact]
    public async Task Get_CacheBeforeAuthentication_CountsAuthenticationNotRun()
    {
        await using var host = await MetricsTestApp.StartAsync(cacheBeforeAuthentication: true);
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/item");
        await host.GetBodyAsync("/item");

        Assert.True(metrics.NotStored("authentication_not_run") == 2, metrics.Describe());
        Assert.True(metrics.Outcomes == 2, metrics.Describe());
    }

    [Fact]
    public async Task Head_Miss_CountsHeadMiss()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        var (head, _) = await host.SendFullyAsync(HttpMethod.Head, "/item");
        head.Dispose();

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(metrics.NotStored("head_miss") == 1, metrics.Describe());
        Assert.True(metrics.Outcomes == 1, metrics.Describe());
    }

    [Fact]
    public async Task Get_ResponseCacheControlPublic_IsStoredNotRefused()
    {
        await using var host = await MetricsTestApp.StartAsync();
        using var metrics = new ResponseMetrics(host.App.Services);

        await host.GetBodyAsync("/cache-control?value=public,%20max-age=60");
        await host.GetBodyAsync("/cache-control?value=public,%20max-age=60");

        Assert.True(metrics.Misses == 1 && metrics.Hits("l1") == 1, metrics.Describe());
        Assert.Equal(0, metrics.NotStored());
    }

    [Fact]
    public void NotStoredReason_EveryTagValue_IsDocumented()
    {
        string[] documented =
        [
            "method", "request_body", "authenticated", "authentication_not_run", "client_cache_control", "head_miss",
            "status", "set_cookie", "cache_control", "vary_star", "vary_header", "too_large", "buffering_disabled",
            "response_started", "content_length", "invalid_header", "tag", "session", "endpoint_error", "shared_run_not_stored", "shared_run_failed",
        ];

        var values = Enum.GetValues<NotStoredReason>().Select(NotStoredReasons.TagValue).ToArray();

        Assert.Equal(documented.Order(), values.Order());
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "response-caching.md"));
        var apiDocs = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "HybridCacheKit.AspNetCore", "Diagnostics", "HybridCacheKitAspNetCoreDiagnostics.cs"));
        foreach (var value in documented)
        {
            Assert.Contains("`" + value + "`", docs, StringComparison.Ordinal);
            Assert.Contains("<c>" + value + "</c>", apiDocs, StringComparison.Ordinal);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HybridCacheKit.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
    }
}
