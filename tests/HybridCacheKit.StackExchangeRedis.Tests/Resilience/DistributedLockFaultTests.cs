using System.Diagnostics;
using HybridCacheKit.TestUtilities.Redis;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// The distributed lock across a freeze: a node waiting for another node's lock must not wait, because of the
/// fault, for longer than the fault lasts plus a bounded time; the lock's 10 s expiry is not that bound.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class DistributedLockFaultTests(ITestOutputHelper output)
{
    /// <summary>
    /// A timed-out command is not a command that did not happen: against a frozen server the lock's SET NX PX times
    /// out for the caller, who runs its factory locally, but stays queued in the socket and takes the lock when the
    /// server continues. No node owns that lock, nobody releases or announces it, so it must not make other nodes wait.
    /// </summary>
    [Fact]
    public async Task GetOrCreate_LockAcquireTimedOutOnFrozenServer_OtherNodeDoesNotWaitForTheAbandonedLock()
    {
        await using var server = await RedisServer.StartAsync();

        // A's breaker must not open before its acquire is sent: this test is about the lock, not the breaker.
        await using var a = CacheNode.Create(server.ConfigurationString, o => o.CircuitBreakerFailureThreshold = 1000);
        await using var b = CacheNode.Create(server.ConfigurationString);
        Assert.Equal(CacheNode.FactoryValue("warm-up"), await a.GetAsync("warm-up"));

        server.Pause();
        TimeSpan frozenCall;
        try
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(CacheNode.FactoryValue("contended"), await a.GetAsync("contended"));
            frozenCall = watch.Elapsed;
        }
        finally
        {
            server.Resume();
        }

        using var raw = await server.CreateClientAsync();
        var lockTtl = (await raw.ExecuteAsync("PTTL", "hck-res:__hck:lock:contended")).Integer;
        output.WriteLine($"A's call against the frozen server took {frozenCall.TotalMilliseconds:F0} ms; after SIGCONT the lock key's PTTL is {lockTtl} ms");
        Assert.True(frozenCall < FaultScenario.LatencyBound, $"A's call against the frozen server took {frozenCall.TotalMilliseconds:F0} ms.");

        // The value A's timed-out write may also have stored is gone: B must compute, so it goes for the lock.
        await b.Cache.RemoveAsync("contended");
        var bWatch = Stopwatch.StartNew();
        Assert.Equal(CacheNode.FactoryValue("contended"), await b.GetAsync("contended").AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        bWatch.Stop();
        output.WriteLine($"B's miss after recovery took {bWatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(bWatch.Elapsed < FaultScenario.LatencyBound, $"B's miss after recovery took {bWatch.Elapsed.TotalMilliseconds:F0} ms: it waited for a lock nobody holds (PTTL after SIGCONT was {lockTtl} ms).");
    }

    /// <summary>
    /// A holds the lock and B waits for A's release announcement. The server freezes as A finishes; A's breaker is
    /// open (here after one failure, as it would be after a few under load), so A's release and announcement are never
    /// sent. B must not wait for an announcement that cannot come until A's lock expires (10 s): once the fault is
    /// over, B must finish within the bound, from L2 or its own factory.
    /// </summary>
    [Fact]
    public async Task GetOrCreate_FrozenServerWhileWaitingForAnotherNodesLock_WaiterFinishesWithinBound()
    {
        await using var server = await RedisServer.StartAsync();
        await using var a = CacheNode.Create(server.ConfigurationString, o => o.CircuitBreakerFailureThreshold = 1);
        await using var b = CacheNode.Create(server.ConfigurationString);
        using var raw = await server.CreateClientAsync();

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = a.Cache.GetOrCreateAsync("held", gate, static async (g, _) =>
        {
            await g.Task;
            return CacheNode.FactoryValue("held");
        }).AsTask();
        await Eventually.WaitAsync(async () => (await raw.ExecuteAsync("EXISTS", "hck-res:__hck:lock:held")).Integer == 1, TimeSpan.FromSeconds(5), "node A holds the lock");

        var waiter = b.GetAsync("held").AsTask();
        await Task.Delay(200);
        Assert.False(waiter.IsCompleted, "B should be waiting for A's lock.");

        var watch = Stopwatch.StartNew();
        server.Pause();
        try
        {
            gate.SetResult();
            Assert.Equal(CacheNode.FactoryValue("held"), await holder.WaitAsync(TimeSpan.FromSeconds(5)));
            await Task.Delay(1000);
        }
        finally
        {
            server.Resume();
        }

        var resumedAfter = watch.Elapsed;
        Assert.Equal(CacheNode.FactoryValue("held"), await waiter.WaitAsync(TimeSpan.FromSeconds(20)));
        var waited = watch.Elapsed;
        output.WriteLine($"frozen for {resumedAfter.TotalMilliseconds:F0} ms; B finished {waited.TotalMilliseconds:F0} ms after the freeze began");
        Assert.True(waited < resumedAfter + FaultScenario.LatencyBound, $"B finished {waited.TotalMilliseconds:F0} ms after the freeze began, {(waited - resumedAfter).TotalMilliseconds:F0} ms after it ended: it waited for a release announcement that was never sent.");
    }

    /// <summary>
    /// A holds the lock and B waits for its release announcement when Redis crashes: no announcement can come, and
    /// the restarted server has no lock any more. B must not sleep until A's lock would have expired: it must finish
    /// within the bound of the crash (its own factory, since L2 is gone).
    /// </summary>
    [Fact]
    public async Task GetOrCreate_ServerKilledWhileWaitingForAnotherNodesLock_WaiterFinishesWithinBound()
    {
        await using var server = await RedisServer.StartAsync();
        await using var a = CacheNode.Create(server.ConfigurationString);
        await using var b = CacheNode.Create(server.ConfigurationString);
        using (var raw = await server.CreateClientAsync())
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var holder = a.Cache.GetOrCreateAsync("held", gate, static async (g, _) =>
            {
                await g.Task;
                return CacheNode.FactoryValue("held");
            }).AsTask();
            await Eventually.WaitAsync(async () => (await raw.ExecuteAsync("EXISTS", "hck-res:__hck:lock:held")).Integer == 1, TimeSpan.FromSeconds(5), "node A holds the lock");

            var waiter = b.GetAsync("held").AsTask();
            await Task.Delay(200);
            Assert.False(waiter.IsCompleted, "B should be waiting for A's lock.");

            var watch = Stopwatch.StartNew();
            server.Kill();
            gate.SetResult();
            Assert.Equal(CacheNode.FactoryValue("held"), await holder.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(CacheNode.FactoryValue("held"), await waiter.WaitAsync(TimeSpan.FromSeconds(20)));
            var waited = watch.Elapsed;
            output.WriteLine($"B finished {waited.TotalMilliseconds:F0} ms after the crash");
            Assert.True(waited < FaultScenario.LatencyBound, $"B finished {waited.TotalMilliseconds:F0} ms after the crash: it waited for a release announcement that could not come.");
        }
    }
}
