using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// Classic cache-poisoning and cache-deception inputs through the real pipeline. The endpoints reflect what they read
/// from the request, as a vulnerable application would; the attacker's request goes first, then a clean request must
/// get exactly what a clean request produces.
/// </summary>
public sealed class PoisoningTests
{
    private static Task<CacheTestHost> StartAsync(bool forwardedHeaders = false, bool methodOverride = false) => CacheTestHost.StartAsync(
        app =>
        {
            if (forwardedHeaders)
            {
                var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.All };
                options.KnownIPNetworks.Clear();
                options.KnownProxies.Clear();
                app.UseForwardedHeaders(options);
            }

            if (methodOverride)
            {
                app.UseHttpMethodOverride();
            }

            app.UseAuthentication();
            app.UseAuthorization();
            app.UseDistributedResponseCache();
            app.MapMethods("/reflect", ["GET", "POST"], (HttpContext ctx, CallCounter c) =>
                $"{c.Next("reflect")}|{ctx.Request.Method}|{ctx.Request.Scheme}|{ctx.Request.Host}|{ctx.Request.PathBase}{ctx.Request.Path}|{ctx.Request.QueryString}")
                .CacheResponse();
            app.MapGet("/listed", (HttpContext ctx, CallCounter c) => $"{c.Next("listed")}|a={string.Join("+", ctx.Request.Query["a"].ToArray())}")
                .CacheResponse(p => p.VaryByQuery("a"));
            app.MapGet("/files/{**path}", (string path, HttpContext ctx, CallCounter c) => $"{c.Next("files")}|{ctx.Request.Path}|{path}")
                .CacheResponse();
            app.MapGet("/fat", async (HttpContext ctx, CallCounter c) =>
            {
                using var reader = new StreamReader(ctx.Request.Body);
                return $"{c.Next("fat")}|body={await reader.ReadToEndAsync()}";
            }).CacheResponse();
            app.MapGet("/account/{**rest}", (HttpContext ctx, CallCounter c) => $"{c.Next("account")}|account of {ctx.User.Identity?.Name ?? "nobody"}")
                .CacheResponse();
            app.MapGet("/products/{id}", (string id, CallCounter c) => $"{c.Next("product " + id)}|product {id}")
                .CacheResponse(p => p.Tags("product:{id}"));
        },
        configureBuilder: TestAuthentication.Add);

    [Theory]
    [InlineData("X-Forwarded-Host", "evil.example")]
    [InlineData("X-Forwarded-Scheme", "https")]
    [InlineData("X-Forwarded-Proto", "https")]
    [InlineData("X-Forwarded-Prefix", "/evil")]
    [InlineData("X-Original-URL", "/evil")]
    [InlineData("X-Rewrite-URL", "/evil")]
    [InlineData("X-HTTP-Method-Override", "DELETE")]
    [InlineData("X-Host", "evil.example")]
    [InlineData("Forwarded", "host=evil.example;proto=https")]
    public async Task Get_UnkeyedHeaderTheAppDoesNotUse_CannotChangeWhatOthersGet(string header, string value)
    {
        await using var host = await StartAsync();
        await using var clean = await StartAsync();
        var expected = await clean.GetStringAsync("/reflect?x=1");

        var attack = await host.GetStringAsync("/reflect?x=1", (header, value));
        var victim = await host.GetStringAsync("/reflect?x=1");

        Assert.Equal(expected, attack);
        Assert.Equal(expected, victim);
        Assert.DoesNotContain("evil", victim, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Forwarded-Host", "evil.example", "evil.example")]
    [InlineData("X-Forwarded-Proto", "https", "|https|")]
    public async Task Get_ForwardedHeadersTheAppTrusts_AreKeyedBecauseTheyChangeTheRequest(string header, string value, string marker)
    {
        await using var host = await StartAsync(forwardedHeaders: true);

        var attack = await host.GetStringAsync("/reflect", (header, value));
        var victim = await host.GetStringAsync("/reflect");

        Assert.Contains(marker, attack, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, victim, StringComparison.Ordinal);
        Assert.StartsWith("2|", victim, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WithMethodOverrideToGet_BodyKeepsItOutOfTheCache()
    {
        await using var host = await StartAsync(methodOverride: true);
        using var content = new FormUrlEncodedContent([new("_method", "GET"), new("evil", "1")]);

        using var attack = await host.Client.PostAsync("/reflect", content);
        var victim = await host.GetStringAsync("/reflect");

        Assert.Equal("2|GET|http|localhost|/reflect|", victim);
    }

    [Fact]
    public async Task Get_WithABody_IsNeitherStoredNorServedFromTheCache()
    {
        await using var host = await StartAsync();

        using var fat = new HttpRequestMessage(HttpMethod.Get, "/fat") { Content = new StringContent("evil") };
        using var attack = await host.Client.SendAsync(fat);
        var victim = await host.GetStringAsync("/fat");
        using var fatAgain = new HttpRequestMessage(HttpMethod.Get, "/fat") { Content = new StringContent("evil2") };
        using var attackAgain = await host.Client.SendAsync(fatAgain);

        Assert.Equal("1|body=evil", await attack.Content.ReadAsStringAsync());
        Assert.Equal("2|body=", victim);
        Assert.Equal("3|body=evil2", await attackAgain.Content.ReadAsStringAsync());
        Assert.Equal(victim, await host.GetStringAsync("/fat"));
    }

    [Theory]
    [InlineData("?x=1;evil=1", "?x=1")]
    [InlineData("?x=1&evil=1", "?x=1")]
    [InlineData("?evil=1&x=1", "?x=1&evil=1")]
    [InlineData("?x=1&x=evil", "?x=1")]
    [InlineData("?x=%2F", "?x=/")]
    [InlineData("?x=1%00evil", "?x=1")]
    [InlineData("?x=1%0d%0aevil", "?x=1")]
    [InlineData("?X=1", "?x=1")]
    public async Task Get_QueryCloakingAndEncodings_EveryRawQueryGetsItsOwnEntry(string attackQuery, string victimQuery)
    {
        await using var host = await StartAsync();

        var attack = await host.GetStringAsync("/reflect" + attackQuery);
        var victim = await host.GetStringAsync("/reflect" + victimQuery);

        Assert.StartsWith("1|", attack, StringComparison.Ordinal);
        Assert.StartsWith("2|", victim, StringComparison.Ordinal);
        Assert.EndsWith(new Uri("http://localhost/reflect" + victimQuery).Query, victim, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?a=1,2", "?a=1&a=2", "a=1,2", "a=1+2")]
    [InlineData("?a=1&a=2", "?a=2&a=1", "a=1+2", "a=2+1")]
    [InlineData("?a=1;evil", "?a=1", "a=1;evil", "a=1")]
    [InlineData("?a=1%26evil=2", "?a=1", "a=1&evil=2", "a=1")]
    public async Task Get_ListedQueryKey_DuplicatesAndSeparatorsDoNotCollide(string first, string second, string firstValue, string secondValue)
    {
        await using var host = await StartAsync();

        var a = await host.GetStringAsync("/listed" + first);
        var b = await host.GetStringAsync("/listed" + second);

        Assert.Equal("1|" + firstValue, a);
        Assert.Equal("2|" + secondValue, b);
    }

    [Fact]
    public async Task Get_ListedQueryKeyInAnotherCase_SharesTheEntryBecauseTheAppReadsTheSameValue()
    {
        await using var host = await StartAsync();

        var lower = await host.GetStringAsync("/listed?a=1");
        var upper = await host.GetStringAsync("/listed?A=1");

        Assert.Equal("1|a=1", lower);
        Assert.Equal(lower, upper);
    }

    [Theory]
    [InlineData("/files/a%2Fb", "/files/a/b")]
    [InlineData("/files/a%252Fb", "/files/a/b")]
    [InlineData("/files/x%01y", "/files/xy")]
    [InlineData("/files/x%7Cq*", "/files/x")]
    [InlineData("/files/x%0d%0ay", "/files/xy")]
    [InlineData("/files/..%2fadmin", "/files/admin")]
    [InlineData("/files/x.css", "/files/x")]
    public async Task Get_EncodedSeparatorsAndControlCharactersInThePath_DoNotShareEntries(string attackPath, string victimPath)
    {
        await using var host = await StartAsync();

        var attack = await host.GetStringAsync(attackPath);
        var victim = await host.GetStringAsync(victimPath);

        Assert.StartsWith("1|", attack, StringComparison.Ordinal);
        Assert.StartsWith("2|", victim, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_PathConfusionStaticLookingUrlOfPrivatePage_IsNotCachedForTheVictim()
    {
        await using var host = await StartAsync();

        var victim = await host.GetStringAsync("/account/profile.css", TestAuthentication.As("alice"));
        var attacker = await host.GetStringAsync("/account/profile.css");

        Assert.Equal("1|account of alice", victim);
        Assert.Equal("2|account of nobody", attacker);
    }

    [Theory]
    [InlineData("http://localhost:8080/reflect", "localhost:8080")]
    [InlineData("http://localhost:65535/reflect", "localhost:65535")]
    [InlineData("http://example.test:81/reflect", "example.test:81")]
    public async Task Get_HostWithUnusualPort_IsKeyedExactly(string attackUrl, string attackHost)
    {
        await using var host = await StartAsync();

        var attack = await host.GetStringAsync(attackUrl);
        var victim = await host.GetStringAsync("/reflect");
        var attackAgain = await host.GetStringAsync(attackUrl);

        Assert.Contains("|" + attackHost + "|", attack, StringComparison.Ordinal);
        Assert.Equal("2|GET|http|localhost|/reflect|", victim);
        Assert.Equal(attack, attackAgain);
    }

    [Fact]
    public async Task Get_RouteValueThatCannotBeATag_IsServedButNotCached()
    {
        await using var host = await StartAsync();

        var first = await host.GetStringAsync("/products/a%0Ab");
        var second = await host.GetStringAsync("/products/a%0Ab");
        var star = await host.GetStringAsync("/products/%2A");
        await host.Cache.RemoveByTagAsync("product:*");
        var starAgain = await host.GetStringAsync("/products/%2A");

        Assert.Equal("1|product a\nb", first);
        Assert.Equal("2|product a\nb", second);
        Assert.Equal("1|product *", star);
        Assert.Equal("2|product *", starAgain);
    }

    [Fact]
    public async Task Get_ManyHostileRequests_NeverReturnsAnotherRequestsBody()
    {
        await using var host = await StartAsync();
        string[] queries = ["", "?a", "?a=", "?a=1", "?a=1&a=1", "?a=1,1", "?a=1;a=1", "?%61=1", "?a%3D1", "?a=1%7C", "?a=1|", "?a=%25", "?a=%2525"];

        foreach (var query in queries)
        {
            await host.GetStringAsync("/reflect" + query);
        }

        foreach (var query in queries)
        {
            var body = await host.GetStringAsync("/reflect" + query);
            Assert.EndsWith("|" + new Uri("http://localhost/reflect" + query).Query, body, StringComparison.Ordinal);
        }

        // HttpClient normalizes some of them to the same request line (| is sent as %7C): one entry per raw query sent.
        Assert.Equal(queries.Select(q => new Uri("http://localhost/reflect" + q).Query).Distinct().Count(), host.Calls["reflect"]);
        using var notFound = await host.SendAsync(HttpMethod.Get, "/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }
}
