using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.StackExchangeRedis.Tests.Stampede;

/// <summary>
/// Runs whose callers all leave (aborted requests). One that leaves right after taking the key's lock must release it. Found by
/// the load tool's HTTP mode: when wrk closed its connections at the end of the warm-up, such runs left their locks held,
/// and renewed, so later misses of those keys each waited the full LockWaitTimeout. One whose factory finishes anyway
/// must store the value, which other nodes are waiting for.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class AbandonedRunLockTests(RedisServerFixture redis)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task GetOrCreateAsync_CallerCancelledRightAfterLockTaken_LockReleasedAndNextCallerNotKeptWaiting()
    {
        var instanceName = $"hck-abandon-{Guid.NewGuid():N}:";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHybridCacheKit(o => o.DistributedCacheTimeout = TimeSpan.FromSeconds(10)).AddStackExchangeRedis(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.InstanceName = instanceName;
            o.OperationTimeout = TimeSpan.FromSeconds(5);

            // Far beyond the bound: only a release can free the lock in time (a leaked one would also be renewed).
            o.LockExpiry = TimeSpan.FromMinutes(1);
            o.LockWaitTimeout = TimeSpan.FromMinutes(1);
        });
        var cancelling = new CancelOnAcquire();
        services.AddSingleton<IHybridCacheDistributedLock>(sp => cancelling.Wrap(sp.GetRequiredService<RedisDistributedLock>()));
        await using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        using var raw = redis.Server.CreateClient();
        var lockKey = instanceName + "__hck:lock:k";

        // The caller's token is cancelled the moment the run has taken the lock, before it re-reads L2.
        using (var cts = new CancellationTokenSource())
        {
            cancelling.Next = cts;
            var factoryRuns = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cache.GetOrCreateAsync(
                "k",
                _ =>
                {
                    Interlocked.Increment(ref factoryRuns);
                    return ValueTask.FromResult("never");
                },
                cancellationToken: cts.Token));
            Assert.Null(cancelling.Next);
            Assert.Equal(0, factoryRuns);
        }

        await Eventually.TrueAsync(() => raw.Execute("EXISTS", lockKey).Integer == 0, s_bound, "the abandoned run's lock is still held");

        // The next caller takes the lock and computes at once, instead of waiting a minute for nobody.
        var value = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed")).AsTask().WaitAsync(s_bound);
        Assert.Equal("computed", value);
    }

    [Fact]
    public async Task GetOrCreateAsync_EveryCallerLeftButFactoryFinishes_ValueStoredForTheNodeWaiting()
    {
        // Lock expiry and wait far beyond the bound: B can only finish in time by being woken by A's release.
        await using var nodes = await CacheNodes.StartAsync(2, redis.ConfigurationString, o =>
        {
            o.LockExpiry = TimeSpan.FromMinutes(1);
            o.LockWaitTimeout = TimeSpan.FromMinutes(1);
        });
        var (a, b) = (nodes[0], nodes[1]);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();

        // A factory that does not observe its token: it finishes after its caller has gone.
        var call = a.Cache.GetOrCreateAsync(
            "k",
            async _ =>
            {
                started.SetResult();
                await Task.Delay(1000, CancellationToken.None);
                return "from-a";
            },
            cancellationToken: cts.Token).AsTask();
        await started.Task.WaitAsync(s_bound);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // B misses while A still computes: it waits for A's lock and must then find A's value in L2.
        var bRuns = 0;
        var fromB = await b.Cache.GetOrCreateAsync("k", _ =>
        {
            Interlocked.Increment(ref bRuns);
            return ValueTask.FromResult("from-b");
        }).AsTask().WaitAsync(s_bound);

        Assert.Equal("from-a", fromB);
        Assert.Equal(0, bRuns);
    }

    /// <summary>Cancels <see cref="Next"/> right after the real lock has been acquired (once).</summary>
    private sealed class CancelOnAcquire
    {
        private CancellationTokenSource? _next;

        public CancellationTokenSource? Next
        {
            get => Volatile.Read(ref _next);
            set => Volatile.Write(ref _next, value);
        }

        public IHybridCacheDistributedLock Wrap(IHybridCacheDistributedLock inner) => new Wrapper(inner, this);

        private sealed class Wrapper(IHybridCacheDistributedLock inner, CancelOnAcquire owner) : IHybridCacheDistributedLock
        {
            public TimeSpan WaitTimeout => inner.WaitTimeout;

            public async ValueTask<HybridCacheLockLease> TryAcquireAsync(string key, CancellationToken cancellationToken)
            {
                var lease = await inner.TryAcquireAsync(key, cancellationToken);
                if (lease.IsAcquired && Interlocked.Exchange(ref owner._next, null) is { } cts)
                {
                    await cts.CancelAsync();
                }

                return lease;
            }

            public ValueTask ReleaseAsync(HybridCacheLockLease lease, CancellationToken cancellationToken) => inner.ReleaseAsync(lease, cancellationToken);
        }
    }
}
