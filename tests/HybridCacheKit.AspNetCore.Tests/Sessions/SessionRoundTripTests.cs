using System.Net;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>
/// Counts the Redis commands one request costs (Redis MONITOR, a private server), with AddSessionSharing and, as the
/// baseline, the framework's AddSession over the same Redis cache. Counts, not timings.
/// </summary>
public sealed class SessionRoundTripTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SessionSharing_UnmodifiedSession_OneRoundTrip()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/session/get?name=k", withCookie: true);

        Assert.Equal(["evalsha"], calls.Commands);
        Assert.Equal(1, calls.RoundTrips);
    }

    [Fact]
    public async Task SessionSharing_UnmodifiedSessionLoadedAsynchronously_OneRoundTrip()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/session/get-async?name=k", withCookie: true);

        Assert.Equal(["evalsha"], calls.Commands);
    }

    [Fact]
    public async Task SessionSharing_ModifiedSession_TwoRoundTrips()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/session/set?name=k&value=changed", withCookie: true);

        Assert.Equal(["evalsha", "evalsha"], calls.Commands);
        Assert.Equal(2, calls.RoundTrips);
    }

    [Fact]
    public async Task SessionSharing_ModifiedAfterAModifiedRequest_TwoRoundTripsAndNoSelect()
    {
        // The write is one script, not a MULTI/EXEC transaction, after which StackExchange.Redis 1.x would forget the
        // selected database and send SELECT in front of the next command.
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/session/set?name=k&value=changed", withCookie: true, before: "/session/set?name=k&value=first");

        Assert.Equal(["evalsha", "evalsha"], calls.Commands);
        Assert.Equal(2, calls.RoundTrips);
    }

    [Fact]
    public async Task SessionSharing_SessionNotUsedByEndpoint_OneRoundTripToRenewIt()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/plain", withCookie: true);

        Assert.Equal(["evalsha"], calls.Commands);
    }

    [Fact]
    public async Task SessionSharing_NoCookieSessionNotUsed_NoRedisCommand()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/plain", withCookie: false);

        Assert.Empty(calls.Commands);
    }

    [Fact]
    public async Task SessionSharing_NoCookieValueRead_NoRedisCommand()
    {
        var (calls, body) = await MeasureAsync(SessionSetup.Sharing, "/session/get?name=k", withCookie: false);

        Assert.Empty(calls.Commands);
        Assert.Equal("(none)", body);
    }

    [Fact]
    public async Task SessionSharing_NewSessionStored_OneRoundTrip()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.Sharing, "/session/set?name=k&value=new", withCookie: false);

        Assert.Equal(["evalsha"], calls.Commands);
        Assert.Equal(1, calls.RoundTrips);
    }

    // The baseline: ASP.NET Core's session store over the same Redis cache (already one EVALSHA per read, where
    // Microsoft's RedisCache needs HMGET + EXPIRE), with Information logging on as in a default app.
    [Fact]
    public async Task FrameworkSession_UnmodifiedSession_TwoRoundTrips()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.FrameworkSession, "/session/get?name=k", withCookie: true);

        Assert.Equal(["evalsha", "evalsha"], calls.Commands);
    }

    [Fact]
    public async Task FrameworkSession_ModifiedSession_ThreeRoundTrips()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.FrameworkSession, "/session/set?name=k&value=changed", withCookie: true);

        Assert.Equal(["evalsha", "evalsha", "evalsha"], calls.Commands);
        Assert.Equal(3, calls.RoundTrips);
    }

    [Fact]
    public async Task FrameworkSession_NoCookieSessionNotUsed_OneRoundTrip()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.FrameworkSession, "/plain", withCookie: false);

        Assert.Equal(["evalsha"], calls.Commands);
    }

    // Microsoft's RedisCache command pattern (HMGET + EXPIRE per read), emulated with scripts off: the ~4 round trips
    // of ANCHORS.md for an unmodified session.
    [Fact]
    public async Task FrameworkSessionWithoutScripts_UnmodifiedSession_FourRoundTrips()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.FrameworkSessionWithoutScripts, "/session/get?name=k", withCookie: true);

        Assert.Equal(["hmget", "expire", "hmget", "expire"], calls.Commands);
        Assert.Equal(4, calls.RoundTrips);
    }

    [Fact]
    public async Task FrameworkSessionWithoutScripts_ModifiedSession_FiveRoundTrips()
    {
        var (calls, _) = await MeasureAsync(SessionSetup.FrameworkSessionWithoutScripts, "/session/set?name=k&value=changed", withCookie: true);

        Assert.Equal(["hmget", "expire", "hmget", "expire", "multi", "hmset", "expire", "exec"], calls.Commands);
        Assert.Equal(5, calls.RoundTrips);
    }

    // The whole table of docs/output-cache-and-session.md: round trips per request, per set-up and kind of request.
    [Theory]
    [InlineData(SessionSetup.FrameworkSessionWithoutScripts, "/session/get?name=k", true, 4)]
    [InlineData(SessionSetup.FrameworkSessionWithoutScripts, "/session/set?name=k&value=x", true, 5)]
    [InlineData(SessionSetup.FrameworkSessionWithoutScripts, "/plain", true, 2)]
    [InlineData(SessionSetup.FrameworkSessionWithoutScripts, "/plain", false, 1)]
    [InlineData(SessionSetup.FrameworkSessionWithoutScripts, "/session/get?name=k", false, 2)]
    [InlineData(SessionSetup.FrameworkSessionWithoutScripts, "/session/set?name=k&value=x", false, 3)]
    [InlineData(SessionSetup.FrameworkSession, "/session/get?name=k", true, 2)]
    [InlineData(SessionSetup.FrameworkSession, "/session/set?name=k&value=x", true, 3)]
    [InlineData(SessionSetup.FrameworkSession, "/plain", true, 1)]
    [InlineData(SessionSetup.FrameworkSession, "/plain", false, 1)]
    [InlineData(SessionSetup.FrameworkSession, "/session/get?name=k", false, 2)]
    [InlineData(SessionSetup.FrameworkSession, "/session/set?name=k&value=x", false, 3)]
    [InlineData(SessionSetup.Sharing, "/session/get?name=k", true, 1)]
    [InlineData(SessionSetup.Sharing, "/session/set?name=k&value=x", true, 2)]
    [InlineData(SessionSetup.Sharing, "/plain", true, 1)]
    [InlineData(SessionSetup.Sharing, "/plain", false, 0)]
    [InlineData(SessionSetup.Sharing, "/session/get?name=k", false, 0)]
    [InlineData(SessionSetup.Sharing, "/session/set?name=k&value=x", false, 1)]
    internal async Task RoundTrips_PerSetupAndRequest_AsDocumented(SessionSetup setup, string path, bool withCookie, int expected)
    {
        var (calls, _) = await MeasureAsync(setup, path, withCookie);

        Assert.True(expected == calls.RoundTrips, $"{setup} {path} (cookie: {withCookie}): {calls}");
    }

    /// <summary>
    /// Starts a node, creates a session and warms everything up (key ring, script cache), sends
    /// <paramref name="before"/> if given, then returns the commands of exactly one request to <paramref name="path"/>.
    /// </summary>
    private async Task<(RedisCalls Calls, string Body)> MeasureAsync(SessionSetup setup, string path, bool withCookie, string? before = null)
    {
        await using var node = await SessionNode.StartAsync(_server.ConfigurationString, "rt:", setup: setup);
        var cookie = await node.StartSessionAsync("k", "v");
        Assert.Equal("v", (await node.SendAsync("/session/get?name=k", cookie)).Body);
        Assert.Equal("v", (await node.SendAsync("/session/get-async?name=k", cookie)).Body);
        if (before is not null)
        {
            Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(before, cookie)).Status);
        }

        await using var monitor = await RedisMonitor.StartAsync(_server);
        var response = await node.SendAsync(path, withCookie ? cookie : null);
        var calls = RedisCalls.From(await monitor.NextBatchAsync());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        return (calls, response.Body);
    }
}
