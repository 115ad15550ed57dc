using System.Diagnostics;
using System.Globalization;
using System.Net;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.Security;
using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// Kill -9 of a master in a 3-master, 3-replica cluster, either the one that holds node B's backplane subscription or
/// another one. Either way B's subscription connection to the killed master fails and is never restored (a replica
/// takes over under another address), while its other subscription connections stay up. B's backplane must be
/// connected again after the failover, must still subscribe again by itself when its subscription is later lost,
/// and B must hear invalidations and trust its L1 again.
/// </summary>
public sealed class RedisClusterBackplaneFailoverTests(ITestOutputHelper output)
{
    private const string Instance = "bp-failover:";
    private static readonly TimeSpan s_afterFailover = TimeSpan.FromSeconds(30);
    private static readonly HybridCacheEntryOptions s_longLocal = new() { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };
    private static readonly KeyValuePair<string, object?> s_l2 = new(HybridCacheKitDiagnostics.TierTag, "l2");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Backplane_MasterKilledAndReplaced_ReconnectsAndStillResubscribesItselfAfterFailover(bool killSubscriptionHolder)
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var a = await StartNodeAsync(cluster);
        await using var b = await StartNodeAsync(cluster);
        var backplane = Assert.IsType<RedisBackplane>(b.Backplane);
        Assert.True(backplane.IsConnected);

        // StackExchange.Redis sends SUBSCRIBE to one server of its choosing (not by the channel's slot) and remembers it.
        var channel = new RedisChannel(backplane.ChannelName, RedisChannel.PatternMode.Literal);
        var subscriber = b.Connection.Multiplexer!.GetSubscriber();
        var subscribedAt = PortOf(subscriber.SubscribedEndpoint(channel));
        await cluster.RefreshAsync();
        var holder = cluster.Nodes.Single(n => n.Server.Port == subscribedAt);
        Assert.True(holder.Role == RedisClusterNodeRole.Master, $"B's subscription is on {holder}, not a master: {cluster.Describe()}");
        var victim = killSubscriptionHolder ? holder : cluster.Masters.First(m => m != holder);
        output.WriteLine($"B's backplane subscription is on {holder}; killing {victim}");

        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", new CountingFactory<string>("v1").InvokeAsync, s_longLocal));

        var killed = await cluster.KillMasterAsync(victim.Slots[0].First);
        Assert.Same(victim, killed);
        var promoted = await cluster.WaitForFailoverAsync(killed, TimeSpan.FromSeconds(30));
        output.WriteLine($"{killed.EndPoint} replaced by {promoted.EndPoint}");

        // Killed or not, B's subscription connection to the victim failed (B reported a disconnect) and is never restored.
        var afterFailover = Stopwatch.StartNew();
        await WaitAsync(
            () => Task.FromResult(backplane.IsConnected),
            () => $"B's backplane is connected again (subscribed at {Describe(b, channel)}, {backplane.SubscribeAttempts} subscribe attempts; {cluster.Describe()})");
        output.WriteLine($"B's backplane connected {afterFailover.Elapsed.TotalSeconds:F1} s after failover, subscribed at {Describe(b, channel)}, {backplane.SubscribeAttempts} subscribe attempts");
        Assert.NotEqual(killed.Server.Port, PortOf(subscriber.SubscribedEndpoint(channel)));

        // Now B's subscription is lost silently (as in RedisBackplaneTests, a stand-in for a half-open connection): the
        // heartbeat notices, and the backplane must subscribe again itself. The victim's subscription connection that
        // is still down has nothing to do with it, and StackExchange.Redis will not do it.
        var attempts = backplane.SubscribeAttempts;
        await subscriber.UnsubscribeAsync(channel).WaitAsync(TimeSpan.FromSeconds(10));
        var afterLoss = Stopwatch.StartNew();
        await WaitAsync(
            () => Task.FromResult(backplane.SubscribeAttempts > attempts && backplane.IsConnected),
            () => $"B's backplane subscribed again itself after losing its subscription (connected: {backplane.IsConnected}, subscribed at {Describe(b, channel)}, {backplane.SubscribeAttempts - attempts} subscribe attempts since; {cluster.Describe()})");
        output.WriteLine($"B's backplane resubscribed {afterLoss.Elapsed.TotalSeconds:F1} s after the loss, at {Describe(b, channel)}");

        // A change on A reaches B as a message. It is repeated until it gets through: right after a failover one write
        // or publish can still fail, and pub/sub does not replay a missed message.
        var never = new CountingFactory<string>("factory must not run");
        var messagesBefore = b.BackplaneMessagesReceived;
        var round = 0;
        await WaitAsync(
            async () =>
            {
                var value = "v2-" + (++round).ToString(CultureInfo.InvariantCulture);
                await a.Cache.SetAsync("k", value, s_longLocal);
                await Task.Delay(200);
                return b.BackplaneMessagesReceived > messagesBefore && await b.Cache.GetOrCreateAsync("k", never.InvokeAsync, s_longLocal) == value;
            },
            () => $"B hears A's change (B connected: {backplane.IsConnected}, messages {b.BackplaneMessagesReceived - messagesBefore}; {cluster.Describe()})");
        Assert.Equal(0, never.Calls);

        // And B trusts its L1 again: a repeated read is answered from L1, not revalidated against L2.
        var l2HitsBefore = b.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l2);
        Assert.StartsWith("v2-", await b.Cache.GetOrCreateAsync("k", never.InvokeAsync, s_longLocal));
        Assert.Equal(l2HitsBefore, b.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l2));
        Assert.True(backplane.IsConnected);
    }

    private static int PortOf(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => ip.Port,
        DnsEndPoint dns => dns.Port,
        _ => throw new InvalidOperationException($"unexpected endpoint {endPoint}"),
    };

    private static string Describe(RedisTestApp node, RedisChannel channel) =>
        node.Connection.Multiplexer?.GetSubscriber().SubscribedEndpoint(channel)?.ToString() ?? "nothing";

    private static async Task WaitAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > s_afterFailover)
            {
                Assert.Fail($"Not within {s_afterFailover.TotalSeconds:F0} s: {what()}.");
            }

            await Task.Delay(50);
        }
    }

    private static Task<RedisTestApp> StartNodeAsync(RedisCluster cluster) =>
        RedisTestApp.StartAsync(Instance, cluster.ConfigurationString, configureRedis: o =>
        {
            o.OperationTimeout = TimeSpan.FromMilliseconds(500);
            o.CircuitBreakDuration = TimeSpan.FromMilliseconds(500);
        });
}
