using HybridCacheKit.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using SubscriptionCut = HybridCacheKit.StackExchangeRedis.Tests.Resilience.SubscriptionCut;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>
/// Outages of the subscription, on servers of the tests' own (they kill and restrict them). Pub/sub is at-most-once:
/// what matters is that a node notices, and does not serve L1 entries that may have been invalidated meanwhile.
/// Engine events: 1015 backplane disconnected, 1016 reconnected.
/// </summary>
public sealed class BackplaneReconnectTests
{
    private const int EngineDisconnected = 1015;
    private const int EngineReconnected = 1016;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);
    private static readonly HybridCacheEntryOptions s_longLocal = new() { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };

    [Fact]
    public async Task Backplane_ServerKilledAndRestarted_NodeReportsBothAndRevalidatesAndReceivesAgain()
    {
        await using var server = await RedisServer.StartAsync();
        await using var nodes = await CacheNodes.StartAsync(2, server.ConfigurationString + ",connectTimeout=1000", o => o.OperationTimeout = TimeSpan.FromSeconds(1));
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("v1", await GetAsync(b, "k", "v1"));
        var reconnectsBefore = b.Logs.WithEventId(EngineReconnected).Count;

        server.Kill();

        await Eventually.TrueAsync(() => !b.Backplane!.IsConnected, s_bound, "B did not notice the outage");
        Assert.Single(b.Logs.WithEventId(EngineDisconnected));

        // While Redis is down nothing can be delivered: A's change reaches neither L2 nor B (and does not throw).
        await a.Cache.SetAsync("k", "during-outage", s_longLocal).AsTask().WaitAsync(s_bound);
        Assert.True(a.Metrics.Sum(HybridCacheKitDiagnostics.BackplanePublishFailures) >= 1);

        await server.RestartAsync();
        await Eventually.TrueAsync(() => b.Backplane!.IsConnected && a.Backplane!.IsConnected, s_bound, "the nodes did not reconnect");
        Assert.Equal(reconnectsBefore + 1, b.Logs.WithEventId(EngineReconnected).Count);

        // The epoch rule: B's copy from before the outage is revalidated against L2 (empty after the restart), not served.
        Assert.Equal("b-recomputed", await GetAsync(b, "k", "b-recomputed"));

        // And the backplane works again.
        await a.Cache.SetAsync("k", "v3", s_longLocal);
        Assert.Equal("v3", await Eventually.EqualsAsync("v3", () => GetAsync(b, "k", "factory"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Backplane_SubscriptionDownWhileRedisUp_TagInvalidatedMeanwhileNotServedAfterReconnect()
    {
        await using var server = await RedisServer.StartAsync();
        var instanceName = $"hck-epoch-{Guid.NewGuid():N}:";
        await using var a = CacheNode.Start("A", server.ConfigurationString + ",name=hck-node-a", instanceName);
        await using var b = CacheNode.Start("B", server.ConfigurationString + ",name=hck-node-b", instanceName);
        await Task.WhenAll(a.WaitForBackplaneAsync(), b.WaitForBackplaneAsync());
        Assert.Equal("old", await GetAsync(b, "k", "old", "t"));
        using var raw = server.CreateClient();

        // Cut B's subscription connection and keep it from coming back: no new connection is accepted for now.
        using (SubscriptionCut.Start(raw, "hck-node-b"))
        {
            await Eventually.TrueAsync(() => !b.Backplane!.IsConnected, s_bound, "B did not notice its subscription was cut");

            // Redis itself is fine: A invalidates the tag in L2 and announces it, but B cannot hear it.
            await a.Cache.RemoveByTagAsync("t");
            Assert.Equal(0, b.MessagesReceived);
        }

        await Eventually.TrueAsync(() => b.Backplane!.IsConnected, s_bound, "B did not resubscribe");

        var afterReconnect = await GetAsync(b, "k", "new", "t");
        Assert.True(afterReconnect == "new", $"B served '{afterReconnect}' after the reconnect; its warnings: {Warnings(b)}");
        Assert.Equal(0, b.MessagesReceived);
        Assert.Single(b.Logs.WithEventId(EngineDisconnected));
        Assert.Equal(2, b.Logs.WithEventId(EngineReconnected).Count);
    }

    [Fact]
    public async Task Backplane_RedisDownAtStartUp_NodesStartAndConnectOnceRedisIsUp()
    {
        await using var server = await RedisServer.StartAsync();
        server.Kill();

        // Start-up must not wait for, or fail on, Redis.
        await using var nodes = await CacheNodes.StartAsync(2, server.ConfigurationString + ",connectTimeout=500", o => o.OperationTimeout = TimeSpan.FromMilliseconds(500), waitForBackplanes: false);
        var (a, b) = (nodes[0], nodes[1]);
        Assert.Equal("local", await GetAsync(b, "k", "local").WaitAsync(s_bound));
        Assert.False(b.Backplane!.IsConnected);

        await server.RestartAsync();
        await Eventually.TrueAsync(() => a.Backplane!.IsConnected && b.Backplane!.IsConnected, s_bound, "the nodes did not connect once Redis was up");

        // B's copy was cached while it could hear nothing: it is revalidated (L2 has nothing), then the backplane works.
        Assert.Equal("b-fresh", await GetAsync(b, "k", "b-fresh"));
        await a.Cache.SetAsync("k", "from-a", s_longLocal);
        Assert.Equal("from-a", await Eventually.EqualsAsync("from-a", () => GetAsync(b, "k", "factory"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Backplane_ServerKilledAndRestarted_ClientLibraryResubscribesBothChannels()
    {
        await using var server = await RedisServer.StartAsync();
        var instanceName = $"hck-resub-{Guid.NewGuid():N}:";
        var options = new HybridCacheKitRedisOptions { Configuration = server.ConfigurationString, InstanceName = instanceName, OperationTimeout = TimeSpan.FromSeconds(1) };
        using var connection = new RedisConnection(options);
        using var distributedLock = new RedisDistributedLock(connection);

        // A heartbeat timeout far above any stall of a busy machine: recovery can only come from the client library.
        using var backplane = new RedisBackplane(connection, new RedisBackplaneTimings(TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5)), loggerFactory: null);
        var listener = new RecordingListener();
        backplane.Subscribe(listener);
        await Eventually.TrueAsync(() => backplane.IsConnected, s_bound, "the backplane did not connect");
        Assert.True((await distributedLock.TryAcquireAsync("k", CancellationToken.None)).IsAcquired); // subscribes the lock channel
        var attempts = backplane.SubscribeAttempts;

        server.Kill();
        await Eventually.TrueAsync(() => !backplane.IsConnected, s_bound, "the outage was not noticed");
        await server.RestartAsync();
        await Eventually.TrueAsync(() => backplane.IsConnected, s_bound, "the backplane did not come back");

        // StackExchange.Redis 1.2.6 resubscribed both channels on its own; the backplane did not subscribe again.
        Assert.Equal(attempts, backplane.SubscribeAttempts);
        Assert.Equal(["reconnected", "disconnected", "reconnected"], listener.ConnectionEvents);
        using var raw = server.CreateClient();
        string[] expected = [instanceName + "__hck:backplane", instanceName + "__hck:locks"];
        await Eventually.TrueAsync(
            () => raw.Execute("PUBSUB", "CHANNELS", instanceName + "*").Items!.Select(i => i.Text).Order().SequenceEqual(expected),
            s_bound,
            "the channels were not resubscribed");
    }

    private static string Warnings(CacheNode node)
        => string.Join("; ", node.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.EventId.Id} {e.Message}"));

    private static async Task<string> GetAsync(CacheNode node, string key, string factoryValue, params string[] tags)
        => await node.Cache.GetOrCreateAsync(key, factoryValue, static (v, _) => ValueTask.FromResult(v), s_longLocal, tags);
}
