using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>redis-server crashes (SIGKILL) under load and comes back empty on the same port.</summary>
[Collection(ResilienceCollection.Name)]
public sealed class KillRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GetOrCreateAndSet_ServerKilledUnderLoadThenRestarted_NoCallerFailsAndL2Recovers()
    {
        await using var scenario = await FaultScenario.StartAsync(output);
        await scenario.SeedSharedEntryAsync();

        var load = LoadRun.StartMixed(FaultScenario.Callers, scenario.A, scenario.B);
        await Task.Delay(300);
        scenario.Server.Kill();
        scenario.Log("redis-server killed (SIGKILL)");
        await Task.Delay(1000);
        var restart = await FaultScenario.TimeAsync(() => scenario.Server.RestartAsync());
        scenario.Log($"redis-server restarted on port {scenario.Server.Port} in {restart.TotalMilliseconds:F0} ms");
        await Task.Delay(500);
        await load.StopAsync();

        scenario.AssertLoadOutcome(load, "kill -9 then restart under load");
        await scenario.WaitForL2RecoveryAsync("the restart");
        await scenario.WaitForBackplanesAsync("after the restart");
        await scenario.AssertNoStaleL1Async(revalidated: true);
    }
}
