using HybridCacheKit.Diagnostics;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// The backplane across a crash: pub/sub is at-most-once, so after a kill and restart node A must (1) resubscribe, so
/// that changes made afterwards reach it, and (2) not trust L1 entries from before the outage, since it could not hear
/// about changes made meanwhile.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class BackplaneRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Backplane_ServerKilledAndRestarted_ResubscribesAndRevalidatesPreOutageL1Entries()
    {
        await using var scenario = await FaultScenario.StartAsync(output);
        var (a, b) = (scenario.A, scenario.B);

        // A third node without a backplane: its writes reach L2 but announce nothing, like a change A missed.
        await using var silent = CacheNode.Create(scenario.Server.ConfigurationString, o =>
        {
            o.EnableBackplane = false;
            o.EnableDistributedLock = false;
        });

        await scenario.SetOnBThenReadOnAAsync("pre-outage", "v1");

        scenario.Server.Kill();
        scenario.Log("redis-server killed (SIGKILL)");
        var noticed = await Eventually.WaitAsync(() => !a.BackplaneConnected && !b.BackplaneConnected, TimeSpan.FromSeconds(10), "both backplanes report the lost subscription");
        scenario.Log($"backplanes reported the outage after {noticed.TotalMilliseconds:F0} ms");

        // During the outage A still answers from its L1 copy (within its expiration), without an exception.
        Assert.Equal("v1", await a.GetAsync("pre-outage"));

        await scenario.Server.RestartAsync();
        scenario.Log("redis-server restarted (empty)");
        await scenario.WaitForBackplanesAsync("after the restart");

        // (2) A change A cannot have heard of: the silent node writes the key to L2 after the restart.
        var messagesBefore = a.Metrics.Count(HybridCacheKitDiagnostics.BackplaneMessages);
        await Eventually.WaitAsync(async () =>
        {
            await silent.Cache.SetAsync("pre-outage", "v2-unannounced");
            using var raw = scenario.Server.CreateClient();
            return raw.Execute("EXISTS", "hck-res:pre-outage").Integer == 1;
        }, FaultScenario.RecoveryBound, "the silent node's write reaches L2");
        Assert.Equal("v2-unannounced", await a.GetAsync("pre-outage"));
        Assert.Equal(messagesBefore, a.Metrics.Count(HybridCacheKitDiagnostics.BackplaneMessages));

        // (1) A change made after the restart reaches A through the resubscribed channel: a key...
        Assert.Equal(CacheNode.FactoryValue("post-outage"), await a.GetAsync("post-outage"));
        await b.Cache.SetAsync("post-outage", "changed-on-b");
        var keyLag = await Eventually.WaitAsync(async () => await a.GetAsync("post-outage") == "changed-on-b", TimeSpan.FromSeconds(5), "B's change after the restart evicts A's L1 copy");

        // ...and a tag.
        await scenario.SetOnBThenReadOnAAsync("tagged", "tagged-v1", ["t"]);
        await b.Cache.RemoveByTagAsync("t");
        var tagLag = await Eventually.WaitAsync(async () => await a.GetAsync("tagged", ["t"]) == CacheNode.FactoryValue("tagged"), TimeSpan.FromSeconds(5), "B's tag invalidation after the restart reaches A");
        scenario.Log($"after the restart: key change seen on A after {keyLag.TotalMilliseconds:F0} ms, tag invalidation after {tagLag.TotalMilliseconds:F0} ms");
    }
}
