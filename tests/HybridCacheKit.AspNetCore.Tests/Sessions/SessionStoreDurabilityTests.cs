using System.Diagnostics;
using System.Net;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>
/// Sessions are not a cache: a session write must survive a Redis that answers slower than the cache's operation
/// timeout, and a circuit breaker opened by cache calls, and must still give up on a frozen server. Each test runs its
/// own redis-server, since it pauses or freezes it. The nodes keep the cache's defaults (250 ms, breaker on).
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class SessionStoreDurabilityTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _instance = "ssd-" + Guid.NewGuid().ToString("N") + ":";
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Commit_RedisSlowerThanCacheOperationTimeout_SessionStored()
    {
        await using var node = await StartAsync();
        var cookie = await node.StartSessionAsync("step", "1");

        // Writes (and scripts) wait a second: four times the cache's 250 ms, a fifth of the store's 5 s.
        await PauseClientsAsync(1000, "WRITE");
        var write = await node.SendAsync("/session/set?name=step&value=2", cookie);

        Assert.Equal(HttpStatusCode.OK, write.Status);
        Assert.Equal("2", (await node.SendAsync("/session/get?name=step", cookie)).Body);
    }

    [Fact]
    public async Task Commit_CacheCircuitBreakerOpen_SessionStoredAndBreakerStaysOpen()
    {
        await using var node = await StartAsync(redis =>
        {
            redis.CircuitBreakerFailureThreshold = 1;
            redis.CircuitBreakDuration = TimeSpan.FromMinutes(5);
        });
        var cookie = await node.StartSessionAsync("step", "1");
        var cache = node.App.Services.GetRequiredService<IDistributedCache>();

        // A cache call that times out opens the breaker for five minutes.
        await PauseClientsAsync(1000, "ALL");
        await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => cache.GetAsync("not-a-session").WaitAsync(Bound));
        Assert.False(((IHybridCacheDistributedCacheAvailability)cache).IsAvailable);

        var write = await node.SendAsync("/session/set?name=step&value=2", cookie);

        Assert.Equal(HttpStatusCode.OK, write.Status);
        Assert.Equal("2", (await node.SendAsync("/session/get?name=step", cookie)).Body);

        // Session calls answered by Redis do not close a breaker that cache calls opened: cache calls are still refused.
        Assert.False(((IHybridCacheDistributedCacheAvailability)cache).IsAvailable);
        var refused = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => cache.GetAsync("not-a-session").WaitAsync(Bound));
        Assert.Contains("circuit breaker is open", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_FrozenServer_SessionGivesUpAtStoreTimeoutNotCacheTimeout()
    {
        await using var node = await StartAsync(configure: o => o.StoreTimeout = TimeSpan.FromSeconds(1));
        var cookie = await node.StartSessionAsync("step", "1");

        _server.Pause();
        SessionResponse write;
        var watch = Stopwatch.StartNew();
        try
        {
            write = await node.SendAsync("/session/set?name=step&value=2", cookie).WaitAsync(Bound * 3);
            watch.Stop();
        }
        finally
        {
            _server.Resume();
        }

        // The framework's session reports the failed load and serves the request without a session.
        Assert.Equal(HttpStatusCode.OK, write.Status);
        Assert.True(watch.Elapsed < Bound, $"A session request against a frozen server took {watch.Elapsed}.");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"The session gave up after {watch.Elapsed}, before its 1 s store timeout.");
        Assert.Contains(node.Logs.Entries, e => e.Exception is RedisCacheUnavailableException ex && ex.Message.Contains("no answer within 00:00:01", StringComparison.Ordinal));

        // Nothing was stored during the freeze, and the session works again once Redis answers.
        Assert.Equal("1", (await node.SendAsync("/session/get?name=step", cookie)).Body);
    }

    private async Task PauseClientsAsync(int milliseconds, string mode)
    {
        await using var admin = await _server.CreateClientAsync();
        Assert.Equal("OK", (await admin.ExecuteAsync("CLIENT", "PAUSE", milliseconds, mode)).Text);
    }

    private Task<SessionNode> StartAsync(Action<HybridCacheKitRedisOptions>? redis = null, Action<SessionSharingOptions>? configure = null)
        => SessionNode.StartAsync(_server.ConfigurationString, _instance, configure: configure, configureRedis: o =>
        {
            o.OperationTimeout = new HybridCacheKitRedisOptions().OperationTimeout;
            redis?.Invoke(o);
        });
}
