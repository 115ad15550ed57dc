using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>The safe defaults: what is never looked up, never stored, and what clients cannot force.</summary>
public sealed class SafetyTests
{
    private const int BodyLimit = 64 * 1024;

    private static Task<CacheTestHost> StartAsync(Action<DistributedResponseCacheOptions>? options = null, TaskCompletionSource? gate = null) => CacheTestHost.StartAsync(
        app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseDistributedResponseCache();
            app.MapMethods("/any", ["GET", "HEAD", "POST", "PUT", "DELETE"], (HttpContext ctx, CallCounter c) => $"{ctx.Request.Method} {c.Next("any")}").CacheResponse();
            app.MapGet("/user", (HttpContext ctx, CallCounter c) => $"user {ctx.User.Identity?.Name} {c.Next("user")}").CacheResponse();
            app.MapGet("/per-user", (HttpContext ctx, CallCounter c) => $"per-user {ctx.User.Identity?.Name} {c.Next("per-user")}").CacheResponse(p => p.VaryByUser());
            app.MapGet("/cookie", (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("cookie");
                ctx.Response.Cookies.Append("session", $"s{n}");
                return $"cookie {n}";
            }).CacheResponse();
            app.MapGet("/late-cookie", (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("late-cookie");
                ctx.Response.OnStarting(() =>
                {
                    ctx.Response.Headers.SetCookie = $"late=s{n}; path=/";
                    return Task.CompletedTask;
                });
                return $"late {n}";
            }).CacheResponse();
            app.MapGet("/cache-control", (HttpContext ctx, CallCounter c, string value) =>
            {
                ctx.Response.Headers.CacheControl = value;
                return $"cc {c.Next("cc " + value)}";
            }).CacheResponse();
            app.MapGet("/vary", (HttpContext ctx, CallCounter c, string value) =>
            {
                ctx.Response.Headers.Vary = value;
                return $"vary {c.Next("vary " + value)}";
            }).CacheResponse(p => p.VaryByHeader("X-Tenant"));
            app.MapGet("/status/{code:int}", (int code, CallCounter c) => Results.Text($"status {c.Next($"status {code}")}", statusCode: code)).CacheResponse();
            app.MapGet("/redirect", (CallCounter c) => Results.Redirect($"/elsewhere/{c.Next("redirect")}")).CacheResponse();
            app.MapGet("/big/{size:int}", async (int size, HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next($"big {size}");
                var chunk = new byte[1024];
                Array.Fill(chunk, (byte)('a' + (n % 26)));
                for (var written = 0; written < size; written += chunk.Length)
                {
                    await ctx.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, size - written)));
                }

                await ctx.Response.Body.FlushAsync();
                if (gate is not null)
                {
                    await gate.Task;
                }
            }).CacheResponse();
            app.MapGet("/unbuffered", async (HttpContext ctx, CallCounter c) =>
            {
                ctx.Features.Get<IHttpResponseBodyFeature>()!.DisableBuffering();
                await ctx.Response.WriteAsync($"unbuffered {c.Next("unbuffered")}");
            }).CacheResponse();
        },
        o =>
        {
            o.MaximumBodySize = BodyLimit;
            options?.Invoke(o);
        },
        TestAuthentication.Add);

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Send_UnsafeMethod_RunsEveryTimeAndNeverFeedsGet(string method)
    {
        await using var host = await StartAsync();

        await host.SendAsync(new HttpMethod(method), "/any");
        using var second = await host.SendAsync(new HttpMethod(method), "/any");
        var get = await host.GetStringAsync("/any");

        Assert.Equal($"{method} 2", await second.Content.ReadAsStringAsync());
        Assert.Equal("GET 3", get);
    }

    [Fact]
    public async Task Head_AfterGet_ServedFromTheGetEntryWithItsLengthAndNoBody()
    {
        await using var host = await StartAsync();
        using var get = await host.SendAsync(HttpMethod.Get, "/any");
        var body = await get.Content.ReadAsByteArrayAsync();

        using var head = await host.SendAsync(HttpMethod.Head, "/any");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(1, host.Calls["any"]);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
    }

    [Fact]
    public async Task Head_Miss_PassesThroughAndALaterGetGetsTheFullBody()
    {
        await using var host = await StartAsync();

        using var head = await host.SendAsync(HttpMethod.Head, "/any");
        var get = await host.GetStringAsync("/any");
        var again = await host.GetStringAsync("/any");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("GET 2", get);
        Assert.Equal(get, again);
        Assert.Equal(2, host.Calls["any"]);
    }

    [Fact]
    public async Task Get_WithAuthorizationHeader_NeitherReadsNorWritesTheCache()
    {
        await using var host = await StartAsync();

        var withCredentials = await host.GetStringAsync("/user", ("Authorization", "Bearer some-token"));
        var anonymous = await host.GetStringAsync("/user");
        var withCredentialsAgain = await host.GetStringAsync("/user", ("Authorization", "Bearer some-token"));
        var anonymousAgain = await host.GetStringAsync("/user");

        Assert.Equal("user  1", withCredentials);
        Assert.Equal("user  2", anonymous);
        Assert.Equal("user  3", withCredentialsAgain);
        Assert.Equal(anonymous, anonymousAgain);
    }

    [Fact]
    public async Task Get_AuthenticatedUserWithoutVaryByUser_NeverGetsNorLeavesACachedResponse()
    {
        await using var host = await StartAsync();

        var alice = await host.GetStringAsync("/user", TestAuthentication.As("alice"));
        var anonymous = await host.GetStringAsync("/user");
        var bob = await host.GetStringAsync("/user", TestAuthentication.As("bob"));

        Assert.Equal("user alice 1", alice);
        Assert.Equal("user  2", anonymous);
        Assert.Equal("user bob 3", bob);
    }

    [Fact]
    public async Task Get_VaryByUser_EachUserAndAnonymousGetTheirOwnEntry()
    {
        await using var host = await StartAsync();

        var alice = await host.GetStringAsync("/per-user", TestAuthentication.As("alice"));
        var bob = await host.GetStringAsync("/per-user", TestAuthentication.As("bob"));
        var anonymous = await host.GetStringAsync("/per-user");

        Assert.Equal("per-user alice 1", alice);
        Assert.Equal("per-user bob 2", bob);
        Assert.Equal("per-user  3", anonymous);
        Assert.Equal(alice, await host.GetStringAsync("/per-user", TestAuthentication.As("alice")));
        Assert.Equal(bob, await host.GetStringAsync("/per-user", TestAuthentication.As("bob")));
        Assert.Equal(anonymous, await host.GetStringAsync("/per-user"));
        Assert.Equal(3, host.Calls["per-user"]);
    }

    [Fact]
    public async Task Get_VaryByUserWithCredentialsThatAuthenticateNobody_BypassesTheCache()
    {
        await using var host = await StartAsync();
        await host.GetStringAsync("/per-user");

        var first = await host.GetStringAsync("/per-user", ("Authorization", "Bearer unknown-scheme"));
        var second = await host.GetStringAsync("/per-user", TestAuthentication.As("invalid"));

        Assert.Equal("per-user  2", first);
        Assert.Equal("per-user  3", second);
    }

    [Theory]
    [InlineData("/cookie", "cookie")]
    [InlineData("/late-cookie", "late-cookie")]
    public async Task Get_ResponseSetsCookie_IsNotStoredAndNoClientGetsAnothersCookie(string url, string name)
    {
        await using var host = await StartAsync();

        using var first = await host.SendAsync(HttpMethod.Get, url);
        using var second = await host.SendAsync(HttpMethod.Get, url);

        Assert.Equal(2, host.Calls[name]);
        Assert.Contains("s1", string.Join(";", first.Headers.GetValues("Set-Cookie")));
        Assert.Contains("s2", string.Join(";", second.Headers.GetValues("Set-Cookie")));
        Assert.DoesNotContain("s1", string.Join(";", second.Headers.GetValues("Set-Cookie")));
    }

    [Theory]
    [InlineData("no-store", 2)]
    [InlineData("private", 2)]
    [InlineData("private, max-age=60", 2)]
    [InlineData("public, max-age=60", 1)]
    [InlineData("no-cache", 1)]
    public async Task Get_ResponseCacheControl_NoStoreAndPrivateAreNotStored(string value, int expectedRuns)
    {
        await using var host = await StartAsync();
        var url = "/cache-control?value=" + Uri.EscapeDataString(value);

        await host.GetStringAsync(url);
        await host.GetStringAsync(url);

        Assert.Equal(expectedRuns, host.Calls["cc " + value]);
    }

    [Theory]
    [InlineData("*", 2)]
    [InlineData("Origin", 2)]
    [InlineData("X-Tenant, Cookie", 2)]
    [InlineData("X-Tenant", 1)]
    [InlineData("x-tenant", 1)]
    public async Task Get_ResponseVary_OnlyHeadersThePolicyVariesByAreAccepted(string value, int expectedRuns)
    {
        await using var host = await StartAsync();
        var url = "/vary?value=" + Uri.EscapeDataString(value);

        await host.GetStringAsync(url);
        await host.GetStringAsync(url);

        Assert.Equal(expectedRuns, host.Calls["vary " + value]);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(201)]
    [InlineData(203)]
    public async Task Get_StatusOutsideTheAllowList_IsNotStored(int status)
    {
        await using var host = await StartAsync();

        using var first = await host.SendAsync(HttpMethod.Get, $"/status/{status}");
        using var second = await host.SendAsync(HttpMethod.Get, $"/status/{status}");

        Assert.Equal(status, (int)second.StatusCode);
        Assert.Equal(2, host.Calls[$"status {status}"]);
    }

    [Fact]
    public async Task Get_Redirect_IsNotStored()
    {
        await using var host = await StartAsync();
        using var client = host.App.GetTestServerClientWithoutRedirects();

        using var first = await client.GetAsync("/redirect");
        using var second = await client.GetAsync("/redirect");

        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal("/elsewhere/2", second.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Get_StatusAddedToTheAllowList_IsStored()
    {
        await using var host = await StartAsync(o => o.CacheableStatusCodes.Add(404));

        await host.SendAsync(HttpMethod.Get, "/status/404");
        using var second = await host.SendAsync(HttpMethod.Get, "/status/404");

        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal("status 1", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_BodyAtTheLimit_IsStored()
    {
        await using var host = await StartAsync();

        var first = await host.GetStringAsync($"/big/{BodyLimit}");
        var second = await host.GetStringAsync($"/big/{BodyLimit}");

        Assert.Equal(BodyLimit, second.Length);
        Assert.Equal(first, second);
        Assert.Equal(1, host.Calls[$"big {BodyLimit}"]);
    }

    [Fact]
    public async Task Get_BodyOverTheLimit_StreamsCompleteAndIsNotStored()
    {
        await using var host = await StartAsync();
        var size = (BodyLimit * 2) + 17;

        var first = await host.GetStringAsync($"/big/{size}");
        var second = await host.GetStringAsync($"/big/{size}");

        Assert.Equal(size, first.Length);
        Assert.Equal(size, second.Length);
        Assert.True(first.AsSpan().IndexOfAnyExcept('b') < 0);
        Assert.True(second.AsSpan().IndexOfAnyExcept('c') < 0);
        Assert.Equal(2, host.Calls[$"big {size}"]);
    }

    [Fact]
    public async Task Get_BodyOverTheLimit_ReachesTheClientBeforeTheEndpointFinishes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(gate: gate);
        var size = BodyLimit + 4096;

        // A safety net so a regression fails instead of hanging; nothing here measures time.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await host.Client.GetAsync($"/big/{size}", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        var buffer = new byte[size];
        var read = 0;
        while (read < size)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            Assert.NotEqual(0, n);
            read += n;
        }

        // Every byte arrived while the endpoint is still blocked on the gate: nothing waited for the whole body.
        Assert.False(gate.Task.IsCompleted);
        gate.SetResult();
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
    }

    [Fact]
    public async Task Get_EndpointDisablesBuffering_StreamsAndIsNotStored()
    {
        await using var host = await StartAsync();

        await host.GetStringAsync("/unbuffered");
        var second = await host.GetStringAsync("/unbuffered");

        Assert.Equal("unbuffered 2", second);
    }

    [Fact]
    public async Task Get_CacheRegisteredBeforeAuthentication_CachesNothingAndWarnsOnce()
    {
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseDistributedResponseCache();
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/user", (HttpContext ctx, CallCounter c) => $"user {ctx.User.Identity?.Name} {c.Next("user")}").CacheResponse(p => p.VaryByUser());
            },
            configureBuilder: TestAuthentication.Add);

        var alice = await host.GetStringAsync("/user", TestAuthentication.As("alice"));
        var anonymous = await host.GetStringAsync("/user");
        var anonymousAgain = await host.GetStringAsync("/user");

        Assert.Equal("user alice 1", alice);
        Assert.Equal("user  2", anonymous);
        Assert.Equal("user  3", anonymousAgain);
        Assert.Single(host.Logs.WithEventId(3004));
    }

    [Theory]
    [InlineData("Cache-Control", "no-cache")]
    [InlineData("Cache-Control", "no-store")]
    [InlineData("Cache-Control", "max-age=0")]
    [InlineData("Pragma", "no-cache")]
    public async Task Get_ClientCacheControl_CannotForceABypassByDefault(string header, string value)
    {
        await using var host = await StartAsync();
        await host.GetStringAsync("/any");

        var forced = await host.GetStringAsync("/any", (header, value));

        Assert.Equal("GET 1", forced);
        Assert.Equal(1, host.Calls["any"]);
    }

    [Theory]
    [InlineData("Cache-Control", "no-cache")]
    [InlineData("Cache-Control", "max-age=0")]
    [InlineData("Pragma", "no-cache")]
    public async Task Get_ClientCacheControlWhenHonoured_BypassesTheCache(string header, string value)
    {
        await using var host = await StartAsync(o => o.HonorRequestCacheControl = true);
        await host.GetStringAsync("/any");

        var forced = await host.GetStringAsync("/any", (header, value));
        var normal = await host.GetStringAsync("/any");

        Assert.Equal("GET 2", forced);
        Assert.Equal("GET 1", normal);
    }
}

internal static class TestServerClientExtensions
{
    public static HttpClient GetTestServerClientWithoutRedirects(this WebApplication app)
    {
        var server = (Microsoft.AspNetCore.TestHost.TestServer)app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer))!;
        return new HttpClient(server.CreateHandler()) { BaseAddress = server.BaseAddress };
    }
}
