using System.Net;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>Sessions shared by separate application instances (own hosts and service providers) over one real Redis.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class SessionSharingTests(RedisServerFixture redis)
{
    private readonly string _instance = "ss-" + Guid.NewGuid().ToString("N") + ":";

    [Fact]
    public async Task Session_WrittenOnA_ReadOnBWithSameCookie()
    {
        await using var a = await StartAsync();
        await using var b = await StartAsync();

        var cookie = await a.StartSessionAsync("cart", "three-apples");
        var read = await b.SendAsync("/session/get?name=cart", cookie);

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("three-apples", read.Body);
    }

    [Fact]
    public async Task Session_ModifiedOnB_SeenOnAAndAsyncLoad()
    {
        await using var a = await StartAsync();
        await using var b = await StartAsync();
        var cookie = await a.StartSessionAsync("step", "1");

        Assert.Equal(HttpStatusCode.OK, (await b.SendAsync("/session/set?name=step&value=2", cookie)).Status);

        Assert.Equal("2", (await a.SendAsync("/session/get?name=step", cookie)).Body);
        Assert.Equal("2", (await a.SendAsync("/session/get-async?name=step", cookie)).Body);
    }

    [Fact]
    public async Task Session_InstanceRestarted_StillThere()
    {
        string cookie;
        await using (var before = await StartAsync())
        {
            cookie = await before.StartSessionAsync("user", "ada");
        }

        await using var after = await StartAsync();

        Assert.Equal("ada", (await after.SendAsync("/session/get?name=user", cookie)).Body);
    }

    [Fact]
    public async Task Session_WrittenByFrameworkAddSession_ReadBySessionSharing()
    {
        // Same stored format and keys as ASP.NET Core's own session store: switching keeps sessions.
        await using var framework = await StartAsync(setup: SessionSetup.FrameworkSession);
        await using var sharing = await StartAsync();

        var cookie = await framework.StartSessionAsync("theme", "dark");

        Assert.Equal("dark", (await sharing.SendAsync("/session/get?name=theme", cookie)).Body);
    }

    public static TheoryData<string> Tampering => new()
    {
        "flip-middle",
        "flip-first",
        "flip-last",
        "truncated",
        "garbage",
        "empty",
        "huge",
        "control-chars",
        "other-app-name",
        "other-key-ring",
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Session_TamperedCookie_FreshEmptySessionNoError(string tampering)
    {
        await using var a = await StartAsync();
        await using var b = await StartAsync();
        var cookie = await a.StartSessionAsync("secret", "s3cr3t-value");
        var tampered = tampering switch
        {
            "flip-middle" => Flip(cookie, cookie.Length / 2),
            "flip-first" => Flip(cookie, 0),
            "flip-last" => Flip(cookie, cookie.Length - 1),
            "truncated" => cookie[..(cookie.Length - 6)],
            "garbage" => "!!not-a-protected-payload!!",
            "empty" => string.Empty,
            "huge" => new string('A', 64 * 1024),
            "control-chars" => "%00%0D%0Aabc%1E",
            "other-app-name" => await CookieFromAsync("another-app", _instance),
            "other-key-ring" => await CookieFromAsync("session-tests", "ss-other-" + Guid.NewGuid().ToString("N") + ":"),
            _ => throw new ArgumentOutOfRangeException(nameof(tampering)),
        };

        var read = await b.SendAsync("/session/get?name=secret", tampered);
        var write = await b.SendAsync("/session/set?name=fresh&value=1", tampered);

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("(none)", read.Body);
        Assert.Equal(HttpStatusCode.OK, write.Status);
        Assert.NotNull(write.CookieValue);
        Assert.NotEqual(cookie, write.CookieValue);
        Assert.Equal("(none)", (await b.SendAsync("/session/get?name=secret", write.CookieValue)).Body);
        Assert.Equal("1", (await b.SendAsync("/session/get?name=fresh", write.CookieValue)).Body);
        Assert.Equal("s3cr3t-value", (await a.SendAsync("/session/get?name=secret", cookie)).Body);
        Assert.DoesNotContain(b.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task SessionCookie_DefaultAttributes_HttpOnlyLaxSecure()
    {
        await using var a = await StartAsync();

        var response = await a.SendAsync("/session/set?name=a&value=b");
        var attributes = response.SetCookie!.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(p => p.ToLowerInvariant()).ToList();

        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=lax", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(attributes, p => p.StartsWith("expires", StringComparison.Ordinal) || p.StartsWith("max-age", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SessionCookie_ConfiguredNameAndPolicy_Applied()
    {
        await using var a = await StartAsync(configure: o =>
        {
            o.CookieName = ".shop.session";
            o.CookieSameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
            o.CookieSecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });

        using var response = await a.Client.GetAsync("/session/set?name=a&value=b");
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));

        Assert.StartsWith(".shop.session=", setCookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain HTTP request
    }

    [Fact]
    public async Task IdleTimeout_EveryRequestRenewsTheRedisTtl()
    {
        await using var a = await StartAsync(configure: o => o.IdleTimeout = TimeSpan.FromMinutes(7));
        var cookie = await a.StartSessionAsync("k", "v");
        await using var client = await redis.Server.CreateClientAsync();
        var key = await SessionKeyAsync(client);
        Assert.InRange((await client.ExecuteAsync("TTL", key)).Integer, 7 * 60 - 5, 7 * 60);

        foreach (var path in new[] { "/session/get?name=k", "/plain", "/session/get-async?name=k" })
        {
            await client.ExecuteAsync("EXPIRE", key, "30");
            Assert.Equal(HttpStatusCode.OK, (await a.SendAsync(path, cookie)).Status);
            Assert.InRange((await client.ExecuteAsync("TTL", key)).Integer, 7 * 60 - 5, 7 * 60);
        }
    }

    [Fact]
    public async Task KeyPrefix_SessionsStoredUnderIt()
    {
        await using var a = await StartAsync(configure: o => o.KeyPrefix = "session:");
        await using var b = await StartAsync(configure: o => o.KeyPrefix = "session:");
        var cookie = await a.StartSessionAsync("k", "v");
        await using var client = await redis.Server.CreateClientAsync();

        Assert.StartsWith(_instance + "session:", await SessionKeyAsync(client), StringComparison.Ordinal);
        Assert.Equal("v", (await b.SendAsync("/session/get?name=k", cookie)).Body);
    }

    private static string Flip(string value, int index)
    {
        var chars = value.ToCharArray();
        chars[index] = chars[index] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    private async Task<string> CookieFromAsync(string applicationName, string instanceName)
    {
        await using var other = await SessionNode.StartAsync(redis.ConfigurationString, instanceName, applicationName);
        return await other.StartSessionAsync("secret", "other-app-value");
    }

    private async Task<string> SessionKeyAsync(RespClient client)
    {
        var keys = (await client.ExecuteAsync("KEYS", _instance + "*")).Items!
            .Select(k => k.Text ?? System.Text.Encoding.UTF8.GetString(k.Bytes!))
            .Where(k => !k.EndsWith("DataProtection-Keys", StringComparison.Ordinal))
            .ToList();
        return Assert.Single(keys);
    }

    private Task<SessionNode> StartAsync(SessionSetup setup = SessionSetup.Sharing, Action<SessionSharingOptions>? configure = null)
        => SessionNode.StartAsync(redis.ConfigurationString, _instance, setup: setup, configure: configure);
}
