using System.Globalization;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.TestUtilities.Redis;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// Changes made while Redis is down, against a real redis-server that crashes (SIGKILL) and restarts from its
/// append-only file, so L2 comes back holding the values from before the changes. Node A holds those values in L1 and
/// node B makes the changes. Without auto-recovery A would revalidate its copies against L2 after the restart, find the
/// old values there and serve them for as long as they live, while B serves its own new ones. With it, B replays its
/// changes once Redis is back: every node drops the old values, and both nodes serve the same thing again.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class AutoRecoveryTests(ITestOutputHelper output)
{
    private const int ReplayedEvent = 1020;

    [Fact]
    public async Task ChangesMadeWhileRedisWasDown_ReplayedAfterItRestartsWithOldData_NoNodeServesTheOldValues()
    {
        var server = await RedisServer.StartAsync(["--appendonly", "yes", "--appendfsync", "always"]);
        await using var scenario = FaultScenario.Wrap(server, output);
        var (a, b) = (scenario.A, scenario.B);
        await scenario.WaitForBackplanesAsync("at start-up");

        await scenario.SetOnBThenReadOnAAsync("set-during-outage", "old");
        await scenario.SetOnBThenReadOnAAsync("removed-during-outage", "old");
        await scenario.SetOnBThenReadOnAAsync("tagged", "old", ["t"]);

        scenario.Server.Kill();
        scenario.Log("redis-server killed (SIGKILL); its append-only file holds the old values");
        await Eventually.WaitAsync(() => !a.BackplaneConnected && !b.BackplaneConnected, TimeSpan.FromSeconds(10), "both backplanes report the outage");

        // B changes all three while Redis is down: no exception, and B serves its own change at once.
        await b.Cache.SetAsync("set-during-outage", "new");
        await b.Cache.RemoveAsync("removed-during-outage");
        await b.Cache.RemoveByTagAsync("t");
        Assert.Equal("new", await b.GetAsync("set-during-outage"));
        // Three subjects wait (two keys and a tag). The queued counter counts every queueing, merges of a subject already
        // waiting included, so it is at least three: on a cold machine the first write of the test (before the kill) can
        // outlast the 250 ms operation timeout, be queued, and still land; the change made during the outage then merges
        // into it.
        b.Metrics.CollectObservables();
        var queued = b.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryQueued);
        var pending = b.Metrics.Of(HybridCacheKitDiagnostics.RecoveryPending)[^1].Value;
        var breakdown = string.Join(", ", b.Metrics.Of(HybridCacheKitDiagnostics.RecoveryQueued)
            .Select(m => string.Join("/", m.Tags.Select(t => t.Value))));
        scenario.Log(string.Create(CultureInfo.InvariantCulture, $"node B: {queued} changes queued ({breakdown}), {pending} subjects waiting"));
        Assert.True(pending == 3 && queued >= 3, $"node B: {pending} subjects waiting (expected 3), {queued} queued (expected at least 3)");

        await scenario.Server.RestartAsync();
        scenario.Log("redis-server restarted from its append-only file");
        using (var raw = scenario.Server.CreateClient())
        {
            // The replay may already have run; what matters is that the restart brought the old data back at all.
            var keys = raw.Execute("DBSIZE").Integer;
            scenario.Log(string.Create(CultureInfo.InvariantCulture, $"keys after the restart: {keys}"));
        }

        var replayed = await Eventually.WaitAsync(() => b.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed) >= 3, FaultScenario.RecoveryBound, "node B replays its three changes");
        scenario.Log(string.Create(CultureInfo.InvariantCulture, $"node B replayed its changes {replayed.TotalMilliseconds:F0} ms after the restart (polled every {Eventually.PollInterval.TotalMilliseconds:F0} ms)"));
        Assert.NotEmpty(b.Logs.WithEventId(ReplayedEvent));

        // From here on neither node may serve an old value: each sees the key's factory value (it was removed
        // everywhere), and both see the same.
        foreach (var node in new[] { a, b })
        {
            Assert.Equal(CacheNode.FactoryValue("set-during-outage"), await node.GetAsync("set-during-outage"));
            Assert.Equal(CacheNode.FactoryValue("removed-during-outage"), await node.GetAsync("removed-during-outage"));
            Assert.Equal(CacheNode.FactoryValue("tagged"), await node.GetAsync("tagged", ["t"]));
        }

    }
}
