using System.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Stampede;

/// <summary>
/// A caller that starts a run and cannot cancel awaits the flight itself (a ValueTask backed by the flight, completed as
/// the run's last act) instead of a wait of its own. It must behave like any awaited ValueTask: failures arrive through
/// the await, not from the call; the caller's SynchronizationContext is honoured; the run's activity has ended when the
/// caller resumes; and callers that joined still get the outcome.
/// </summary>
public sealed class StarterAwaitsRunTests
{
    [Fact]
    public async Task GetOrCreateAsync_StarterWithoutTokenFactoryThrows_FaultedValueTaskNotAThrowingCall()
    {
        using var sut = CacheUnderTest.Create();
        var failure = new InvalidOperationException("factory failed");

        var pending = sut.Cache.GetOrCreateAsync<string>("key", _ => throw failure);

        Assert.True(pending.IsFaulted);
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(async () => await pending));
    }

    /// <summary>
    /// Sync-over-async: blocking on the pending ValueTask (GetAwaiter().GetResult()) is outside the ValueTask rules, but
    /// it works on Task-backed ValueTasks (Microsoft's HybridCache returns those), so code written against the abstraction
    /// does it. It must wait for the run and return its value, not throw the value-task source's InvalidOperationException.
    /// </summary>
    [Fact]
    public async Task GetOrCreateAsync_StarterWithoutTokenBlocksOnPendingValueTask_WaitsAndGetsTheValue()
    {
        using var sut = CacheUnderTest.Create();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var caller = Task.Run(() =>
        {
            var pending = sut.Cache.GetOrCreateAsync("blocking-key", async _ =>
            {
                await release.Task.ConfigureAwait(false);
                return "from-factory";
            });
            Assert.False(pending.IsCompleted, "the factory should still be running");
            blocked.SetResult();
            return pending.GetAwaiter().GetResult();
        });

        await blocked.Task.WaitAsync(Eventually.Limit);
        await Task.Delay(50); // let the caller reach the blocking wait
        release.SetResult();

        Assert.Equal("from-factory", await caller.WaitAsync(Eventually.Limit));
    }

    [Fact]
    public async Task GetOrCreateAsync_StarterWithoutTokenFactoryFailsWhileBlockedOn_ThrowsTheFactorysException()
    {
        using var sut = CacheUnderTest.Create();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failure = new InvalidOperationException("factory failed");

        var caller = Task.Run(() =>
        {
            var pending = sut.Cache.GetOrCreateAsync<string>("blocking-failure", async _ =>
            {
                await release.Task.ConfigureAwait(false);
                throw failure;
            });
            return pending.GetAwaiter().GetResult();
        });

        await Task.Delay(50);
        release.SetResult();

        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => caller.WaitAsync(Eventually.Limit)));
    }

    [Fact]
    public async Task GetOrCreateAsync_StarterWithoutTokenAsynchronousFactory_ResumesOnCallersSynchronizationContext()
    {
        using var sut = CacheUnderTest.Create();
        var context = new CountingSynchronizationContext();
        var previous = SynchronizationContext.Current;
        Task<string> awaited;

        // Only the call and the start of the await run under the context (the await captures it there); the test's own
        // thread gets its context back before it awaits anything.
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var pending = sut.Cache.GetOrCreateAsync("key", async _ =>
            {
                await Task.Delay(20).ConfigureAwait(false);
                return "from-factory";
            });
            Assert.False(pending.IsCompleted, "the factory should still be running");
            awaited = AwaitWithoutConfigureAwait(pending);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        var value = await awaited.WaitAsync(Eventually.Limit);
        var posts = context.Posts;

        Assert.Equal("from-factory", value);
        Assert.True(posts >= 1, "the caller's continuation should have been posted to its SynchronizationContext");
    }

    [Fact]
    public async Task GetOrCreateAsync_StarterWithoutToken_ResumesAfterTheRunsActivityEnded()
    {
        using var sut = CacheUnderTest.Create();
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HybridCacheKit.Diagnostics.HybridCacheKitDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => { lock (stopped) { stopped.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        Activity? run = null;
        var value = await sut.Cache.GetOrCreateAsync("activity-key", async _ =>
        {
            run = Activity.Current;
            await Task.Yield();
            return "from-factory";
        });

        Assert.Equal("from-factory", value);
        Assert.NotNull(run);
        Assert.Equal("hybridcache.get_or_create", run.OperationName);
        lock (stopped)
        {
            Assert.Contains(run, stopped);
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_StarterWithoutTokenAndJoinerWithToken_BothGetTheValueFactoryRunsOnce()
    {
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<string>();
        using var cts = new CancellationTokenSource();

        var starter = sut.Cache.GetOrCreateAsync("key", factory.RunAsync).AsTask();
        await Eventually.HoldsAsync(() => factory.Calls == 1, "the run to start");
        var joiner = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, cancellationToken: cts.Token).AsTask();
        factory.Release("value");

        Assert.Equal("value", await starter.WaitAsync(Eventually.Limit));
        Assert.Equal("value", await joiner.WaitAsync(Eventually.Limit));
        Assert.Equal(1, factory.Calls);
    }

    private static async Task<string> AwaitWithoutConfigureAwait(ValueTask<string> pending) => await pending;

    private sealed class CountingSynchronizationContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            base.Post(d, state);
        }
    }
}
