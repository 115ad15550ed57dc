using HybridCacheKit.TestUtilities.Redis;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// A server that accepts connections but answers nothing: frozen with SIGSTOP (StackExchange.Redis 1.x has no timeout
/// on async calls, so this proves the package's own timeout), or paused with <c>CLIENT PAUSE</c>.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class FrozenServerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FrozenFor = TimeSpan.FromMilliseconds(2500);

    [Fact]
    public async Task GetOrCreateAndSet_ServerFrozenWithSigstopThenContinued_CallsBoundedBreakerOpensAndL2Recovers()
    {
        await using var scenario = await FaultScenario.StartAsync(output);
        await scenario.SeedSharedEntryAsync();

        var load = LoadRun.StartMixed(FaultScenario.Callers, scenario.A, scenario.B);
        await Task.Delay(300);
        scenario.Server.Pause();
        scenario.Log("redis-server frozen (SIGSTOP)");
        try
        {
            await scenario.WaitForBreakersOpenAsync("SIGSTOP");
            await scenario.AssertBreakerStopsCallsAsync(TimeSpan.FromSeconds(1));
        }
        finally
        {
            scenario.Server.Resume();
            scenario.Log("redis-server continued (SIGCONT)");
        }

        await Task.Delay(300);
        await load.StopAsync();

        scenario.AssertLoadOutcome(load, "SIGSTOP then SIGCONT under load");
        await scenario.WaitForL2RecoveryAsync("SIGCONT");
        await scenario.WaitForBackplanesAsync("after SIGCONT");
        await scenario.AssertNoStaleL1Async(revalidated: false);
    }

    [Fact]
    public async Task GetOrCreateAndSet_ClientPauseAll_CallsBoundedBreakerOpensAndL2Recovers()
    {
        await using var scenario = await FaultScenario.StartAsync(output);
        await scenario.SeedSharedEntryAsync();
        using var admin = await scenario.Server.CreateClientAsync();

        var load = LoadRun.StartMixed(FaultScenario.Callers, scenario.A, scenario.B);
        await Task.Delay(300);
        var paused = await admin.ExecuteAsync("CLIENT", "PAUSE", "2000", "ALL");
        Assert.Equal(RespReplyKind.SimpleString, paused.Kind);
        var pausedAt = DateTime.UtcNow;
        scenario.Log("CLIENT PAUSE 2000 ALL");

        await scenario.WaitForBreakersOpenAsync("CLIENT PAUSE");
        await scenario.AssertBreakerStopsCallsAsync(TimeSpan.FromMilliseconds(800));

        // The pause ends by itself; keep the load running across its end.
        var left = TimeSpan.FromMilliseconds(2300) - (DateTime.UtcNow - pausedAt);
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        await load.StopAsync();

        scenario.AssertLoadOutcome(load, "CLIENT PAUSE 2000 ALL under load");
        await scenario.WaitForL2RecoveryAsync("the end of the pause");
        await scenario.WaitForBackplanesAsync("after the pause");
        await scenario.AssertNoStaleL1Async(revalidated: false);
    }
}
