using HybridCacheKit.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Stampede;

/// <summary>Cross-node stampede protection through the engine: one node computes, the others wait for its release and read L2.</summary>
public abstract class CrossNodeStampedeSuite
{
    /// <summary>The configuration string of the Redis (standalone or cluster) the nodes share.</summary>
    protected abstract string Configuration { get; }

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetOrCreateAsync_FourNodesFiftyCallersColdKey_FactoryRunsExactlyOnce()
    {
        // Lock expiry and wait timeout far beyond the test's bound: waiters can only finish in time by being woken.
        await using var nodes = await CacheNodes.StartAsync(4, Configuration, o =>
        {
            o.LockExpiry = TimeSpan.FromMinutes(5);
            o.LockWaitTimeout = TimeSpan.FromMinutes(5);
        });
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = new List<Task<string>>();
        foreach (var node in nodes.All)
        {
            for (var i = 0; i < 50; i++)
            {
                callers.Add(Task.Run(async () =>
                {
                    await gate.Task;
                    return await node.Cache.GetOrCreateAsync("cold", async ct =>
                    {
                        var run = Interlocked.Increment(ref runs);
                        await Task.Delay(200, ct);
                        return $"computed-{run}";
                    });
                }));
            }
        }

        gate.SetResult();
        var values = await Task.WhenAll(callers).WaitAsync(s_bound);

        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.All(values, v => Assert.Equal("computed-1", v));

        // Three nodes waited for the fourth's release instead of computing, woken by its announcement (not polling).
        Assert.All(nodes.All, n => Assert.True(n.Lock.NotificationsConfirmed));
        Assert.Equal(3, nodes.All.Count(n => n.Metrics.Sum(HybridCacheKitDiagnostics.LockWaits) > 0));
        Assert.All(nodes.All, n => Assert.Equal(0, n.Metrics.Sum(HybridCacheKitDiagnostics.LockWaitTimeouts)));
    }

    [Fact]
    public async Task GetOrCreateAsync_OtherNodeComputing_WaiterWokenByReleaseNotByExpiry()
    {
        // Expiry and wait timeout far beyond the test's bound: only the release announcement can end B's wait in time.
        await using var nodes = await CacheNodes.StartAsync(2, Configuration, o =>
        {
            o.LockExpiry = TimeSpan.FromMinutes(5);
            o.LockWaitTimeout = TimeSpan.FromMinutes(5);
        });
        var (a, b) = (nodes[0], nodes[1]);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runsOnB = 0;

        var onA = a.Cache.GetOrCreateAsync("k", async ct =>
        {
            started.SetResult();
            await finish.Task.WaitAsync(ct);
            return "from-a";
        }).AsTask();
        await started.Task.WaitAsync(s_bound);
        var onB = b.Cache.GetOrCreateAsync("k", ct =>
        {
            Interlocked.Increment(ref runsOnB);
            return ValueTask.FromResult("from-b");
        }).AsTask();
        await Eventually.TrueAsync(() => b.Metrics.Sum(HybridCacheKitDiagnostics.LockWaits) >= 1, s_bound, "B did not wait for A's lock");
        Assert.True(b.Lock.NotificationsConfirmed); // else B would poll L2 rather than be woken
        finish.SetResult();

        Assert.Equal("from-a", await onA.WaitAsync(s_bound));
        Assert.Equal("from-a", await onB.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, runsOnB);
    }

    [Fact]
    public async Task GetOrCreateAsync_LockOwnerDies_OtherNodeRunsFactoryAfterExpiry()
    {
        // A 2 s lifetime, and B's lock subscription confirmed first (a first lock call waits for it): with 800 ms, a
        // loaded machine could let A's lock expire before B's first attempt, and B would take it without waiting.
        await using var nodes = await CacheNodes.StartAsync(2, Configuration, o => o.LockExpiry = TimeSpan.FromSeconds(2));
        var (a, b) = (nodes[0], nodes[1]);
        var warm = await b.Lock.TryAcquireAsync("warm-up", CancellationToken.None);
        Assert.True(warm.IsAcquired);
        await b.Lock.ReleaseAsync(warm, CancellationToken.None);

        // A takes the lock the way its engine would, then "dies": it never computes and never releases.
        var orphan = await a.Lock.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(orphan.IsAcquired);
        a.Lock.StopRenewing(orphan);
        var runs = 0;

        var value = await b.Cache.GetOrCreateAsync("k", ct =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult("taken-over");
        }).AsTask().WaitAsync(s_bound);

        Assert.Equal("taken-over", value);
        Assert.Equal(1, runs);
        Assert.True(b.Metrics.Sum(HybridCacheKitDiagnostics.LockWaits) >= 1);
        Assert.Equal(0, b.Metrics.Sum(HybridCacheKitDiagnostics.LockWaitTimeouts));
    }

    [Fact]
    public async Task GetOrCreateAsync_OwnerDiesAndWaitIsNoLongerThanExpiry_TheTakeoverRunsTheFactoryOnce()
    {
        // The defaults have LockWaitTimeout == LockExpiry. A wait that counted from the first attempt would run out the
        // moment the dead owner's lock expires, so every node but the one taking over would run its own factory. The
        // wait is per holder: the others wait for the new holder's release.
        await using var nodes = await CacheNodes.StartAsync(4, Configuration, o =>
        {
            o.OperationTimeout = TimeSpan.FromSeconds(2); // a lock call timed out on a loaded machine would compute locally
            o.LockExpiry = TimeSpan.FromSeconds(1);
            o.LockWaitTimeout = TimeSpan.FromSeconds(1);
        });
        var orphan = await nodes[0].Lock.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(orphan.IsAcquired);
        nodes[0].Lock.StopRenewing(orphan); // its owner "died": nothing renews it
        var runs = 0;
        var callers = new List<Task<string>>();
        foreach (var node in nodes.All)
        {
            for (var i = 0; i < 10; i++)
            {
                callers.Add(Task.Run(async () => await node.Cache.GetOrCreateAsync("k", async ct =>
                {
                    var run = Interlocked.Increment(ref runs);
                    await Task.Delay(300, ct);
                    return $"computed-{run}";
                })));
            }
        }

        var values = await Task.WhenAll(callers).WaitAsync(s_bound);

        var waits = string.Join(", ", nodes.All.Select(n => $"{n.Metrics.Sum(HybridCacheKitDiagnostics.LockWaits)} waits/{n.Metrics.Sum(HybridCacheKitDiagnostics.LockWaitTimeouts)} timed out"));
        Assert.True(Volatile.Read(ref runs) == 1, $"the factory ran {runs} times; per node: {waits}; values: {string.Join(", ", values.Distinct())}");
        Assert.All(values, v => Assert.Equal("computed-1", v));
        Assert.All(nodes.All, n => Assert.Equal(0, n.Metrics.Sum(HybridCacheKitDiagnostics.LockWaitTimeouts)));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactorySlowerThanLockExpiry_LockIsRenewedAndNoSecondNodeRuns()
    {
        // Generous timeouts: this test is about renewal, not about a loaded machine timing a lock call out (which makes
        // a node compute locally, by design).
        await using var nodes = await CacheNodes.StartAsync(2, Configuration, o =>
        {
            o.OperationTimeout = TimeSpan.FromSeconds(2);
            o.LockExpiry = TimeSpan.FromSeconds(2);
            o.LockWaitTimeout = TimeSpan.FromSeconds(30);
        });
        var (a, b) = (nodes[0], nodes[1]);
        foreach (var node in nodes.All)
        {
            // The first lock call of a node also subscribes to release announcements: get that done first.
            await node.Lock.ReleaseAsync(await node.Lock.TryAcquireAsync("warm-up-" + node.Name, CancellationToken.None), CancellationToken.None);
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        var onA = a.Cache.GetOrCreateAsync("slow", async ct =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await Task.Delay(5000, ct); // two and a half lock lifetimes
            return "from-a";
        }).AsTask();
        await started.Task.WaitAsync(s_bound);
        Assert.Equal(1, a.Lock.ActiveRenewals); // A computes under the lock, renewing it
        var onB = b.Cache.GetOrCreateAsync("slow", ct =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult("from-b");
        }).AsTask();

        Assert.Equal("from-a", await onA.WaitAsync(s_bound));
        Assert.Equal("from-a", await onB.WaitAsync(s_bound));
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.Equal(0, a.Lock.ActiveRenewals);
        Assert.True(b.Metrics.Sum(HybridCacheKitDiagnostics.LockWaits) >= 1);
    }

    [Fact]
    public async Task GetOrCreateAsync_HolderNeverReleasesAndWaitTimesOut_RunsFactoryLocally()
    {
        await using var nodes = await CacheNodes.StartAsync(2, Configuration, o =>
        {
            o.LockExpiry = TimeSpan.FromMinutes(5);
            o.LockWaitTimeout = TimeSpan.FromMilliseconds(300);
        });
        var (a, b) = (nodes[0], nodes[1]);
        Assert.True((await a.Lock.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);
        var runs = 0;

        var value = await b.Cache.GetOrCreateAsync("k", ct =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult("local");
        }).AsTask().WaitAsync(s_bound);

        Assert.Equal("local", value);
        Assert.Equal(1, runs);
        Assert.Equal(1, b.Metrics.Sum(HybridCacheKitDiagnostics.LockWaitTimeouts));
    }

    [Fact]
    public async Task GetOrCreateAsync_RedisUnreachable_LockUnavailableAndFactoryRunsLocallyWithoutException()
    {
        var port = TestPorts.GetFreeTcpPort();
        await using var node = CacheNode.Start("A", $"127.0.0.1:{port},connectTimeout=200", $"hck-down-{Guid.NewGuid():N}:", o => o.OperationTimeout = TimeSpan.FromMilliseconds(200));
        var runs = 0;

        var value = await node.Cache.GetOrCreateAsync("k", ct =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult("local");
        }).AsTask().WaitAsync(s_bound);
        var lease = await node.Lock.TryAcquireAsync("k", CancellationToken.None).AsTask().WaitAsync(s_bound);

        Assert.Equal("local", value);
        Assert.Equal(1, runs);
        Assert.True(lease.IsUnavailable);
        Assert.False(node.Backplane!.IsConnected);
    }
}

/// <summary>The suite against the shared standalone server (Cluster/ reruns it on a Redis Cluster).</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class CrossNodeStampedeTests(RedisServerFixture redis) : CrossNodeStampedeSuite
{
    protected override string Configuration => redis.ConfigurationString;
}
