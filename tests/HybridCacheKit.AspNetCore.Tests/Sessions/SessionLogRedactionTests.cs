using System.Net;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>
/// The framework's DistributedSession logs the raw session key; with AddSessionSharing it never reaches the
/// application's logs, Redis outage included. A private server, because the test kills it.
/// </summary>
public sealed class SessionLogRedactionTests : IAsyncLifetime
{
    // Microsoft.AspNetCore.Session's LoggingExtensions: SessionStarted (Information), SessionCacheReadException (Error).
    private const int SessionStarted = 3;
    private const int SessionCacheReadException = 6;
    private const string Redacted = "[redacted]";

    private readonly string _instance = "slr-" + Guid.NewGuid().ToString("N") + ":";
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SessionLogs_SessionStartedAndRedisOutage_LoggedWithoutTheSessionKey()
    {
        await using var node = await SessionNode.StartAsync(_server.ConfigurationString, _instance);
        var cookie = await node.StartSessionAsync("k", "v");
        var sessionKey = await SessionKeyAsync();

        _server.Kill();
        var response = await node.SendAsync("/session/get?name=k", cookie);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("(none)", response.Body);
        var started = Assert.Single(node.Logs.WithEventId(SessionStarted));
        Assert.Equal(LogLevel.Information, started.Level);
        Assert.StartsWith("Session started; Key:" + Redacted, started.Message, StringComparison.Ordinal);
        var failed = Assert.Single(node.Logs.WithEventId(SessionCacheReadException));
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.NotNull(failed.Exception);
        Assert.Equal("Session cache read exception, Key:" + Redacted, failed.Message);
        Assert.Contains(failed.State, p => p is { Key: "sessionKey", Value: Redacted });
        Assert.Contains(failed.State, p => p.Key == "{OriginalFormat}");
        Assert.DoesNotContain(node.Logs.Entries, e => e.FullText.Contains(sessionKey, StringComparison.Ordinal));
    }

    // The session's Redis key, minus the instance prefix: the raw session key the framework would log.
    private async Task<string> SessionKeyAsync()
    {
        await using var client = await _server.CreateClientAsync();
        var keys = (await client.ExecuteAsync("KEYS", _instance + "*")).Items!
            .Select(k => k.Text ?? System.Text.Encoding.UTF8.GetString(k.Bytes!))
            .Where(k => !k.EndsWith("DataProtection-Keys", StringComparison.Ordinal))
            .ToList();
        var key = Assert.Single(keys)[_instance.Length..];
        Assert.True(Guid.TryParse(key, out _), key);
        return key;
    }
}
