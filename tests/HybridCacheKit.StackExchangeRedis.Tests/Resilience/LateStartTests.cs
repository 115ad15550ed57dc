using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>The application starts while nothing listens on the Redis port; redis-server comes up later.</summary>
[Collection(ResilienceCollection.Name)]
public sealed class LateStartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GetOrCreateAndSet_RedisStartedAfterTheApp_FactoryValuesUntilThenL2WorksAfter()
    {
        // Reserve a port redis-server can bind, then leave nothing listening on it.
        var server = await HybridCacheKit.TestUtilities.Redis.RedisServer.StartAsync();
        server.Stop();
        await using var scenario = FaultScenario.CreateWithServerDown(server, output);
        scenario.Log($"nodes built against {server.ConfigurationString}, nothing listening");

        await scenario.SeedSharedEntryWhileDownAsync();
        var load = LoadRun.StartMixed(FaultScenario.Callers, scenario.A, scenario.B);
        await Task.Delay(1000);
        await load.StopAsync();
        scenario.AssertLoadOutcome(load, "Redis down since start-up");
        Assert.False(scenario.A.BackplaneConnected);

        var start = await FaultScenario.TimeAsync(() => server.RestartAsync());
        scenario.Log($"redis-server started on port {server.Port} in {start.TotalMilliseconds:F0} ms");
        var afterStart = LoadRun.StartMixed(FaultScenario.Callers, scenario.A, scenario.B);
        await scenario.WaitForL2RecoveryAsync("redis-server started");
        await afterStart.StopAsync();
        scenario.AssertLoadOutcome(afterStart, "while Redis came up");

        await scenario.WaitForBackplanesAsync("after redis-server started");
        await scenario.AssertNoStaleL1Async(revalidated: true, staleValue: CacheNode.FactoryValue(FaultScenario.SharedKey));
    }
}
