using HybridCacheKit.Shared;
using HybridCacheKit.StackExchangeRedis.Internal;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// The pooled wait behind every Redis call's timeout: it completes on the task, the deadline or the caller's token,
/// never throws, and a recycled waiter is never completed by a task or token from an earlier use. No server involved:
/// the tasks and tokens are the test's own.
/// </summary>
public sealed class BoundedWaitTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WhenCompleted_TaskCompletes_CompletesWithTaskDone()
    {
        var source = new TaskCompletionSource<int>();
        using var deadline = new CancellationTokenSource();

        var wait = BoundedWait.WhenCompleted(source.Task, deadline.Token, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        source.SetResult(7);
        await wait.AsTask().WaitAsync(Bound);

        Assert.Equal(7, await source.Task);
    }

    [Fact]
    public async Task WhenCompleted_TaskFaults_CompletesWithoutThrowing()
    {
        var source = new TaskCompletionSource<int>();
        using var deadline = new CancellationTokenSource();

        var wait = BoundedWait.WhenCompleted(source.Task, deadline.Token, CancellationToken.None);
        source.SetException(new InvalidOperationException("boom"));
        await wait.AsTask().WaitAsync(Bound);

        Assert.True(source.Task.IsFaulted);
    }

    [Fact]
    public async Task WhenCompleted_DeadlinePasses_CompletesWhileTaskPending()
    {
        var source = new TaskCompletionSource<int>();
        using var deadline = new CancellationTokenSource();

        var wait = BoundedWait.WhenCompleted(source.Task, deadline.Token, CancellationToken.None);
        await deadline.CancelAsync();
        await wait.AsTask().WaitAsync(Bound);

        Assert.False(source.Task.IsCompleted);
    }

    [Fact]
    public async Task WhenCompleted_CallerCancels_CompletesWhileTaskPending()
    {
        var source = new TaskCompletionSource<int>();
        using var deadline = new CancellationTokenSource();
        using var caller = new CancellationTokenSource();

        var wait = BoundedWait.WhenCompleted(source.Task, deadline.Token, caller.Token);
        await caller.CancelAsync();
        await wait.AsTask().WaitAsync(Bound);

        Assert.False(source.Task.IsCompleted);
    }

    [Fact]
    public async Task WhenCompleted_DeadlineAlreadyPassed_CompletedAtOnce()
    {
        var source = new TaskCompletionSource<int>();
        using var deadline = new CancellationTokenSource();
        deadline.Cancel();

        var wait = BoundedWait.WhenCompleted(source.Task, deadline.Token, CancellationToken.None);

        Assert.True(wait.IsCompletedSuccessfully);
        await wait;
    }

    [Fact]
    public async Task WhenCompleted_AbandonedTasksCompleteLater_NeverCompleteALaterWait()
    {
        // A waiter completed by a token is still the continuation of its task; if it were recycled, that task
        // finishing later would complete whichever call reused the waiter. Alternate abandoned and normal waits.
        for (var i = 0; i < 2_000; i++)
        {
            var abandoned = new TaskCompletionSource<int>();
            using (var expired = new CancellationTokenSource())
            {
                var first = BoundedWait.WhenCompleted(abandoned.Task, expired.Token, CancellationToken.None);
                expired.Cancel();
                await first;
            }

            var normal = new TaskCompletionSource<int>();
            using var deadline = new CancellationTokenSource();
            var second = BoundedWait.WhenCompleted(normal.Task, deadline.Token, CancellationToken.None);
            abandoned.SetResult(i);
            Assert.False(second.IsCompleted, $"iteration {i}: a wait completed because an earlier, abandoned task finished");
            normal.SetResult(i);
            await second.AsTask().WaitAsync(Bound);
        }
    }

    [Fact]
    public async Task WhenCompleted_ManyConcurrentWaits_EachCompletesForItsOwnReason()
    {
        // Recycled waiters under contention: every wait must end exactly when its own task or token says so.
        using var neverCancelled = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var source = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                using var caller = new CancellationTokenSource();
                var wait = BoundedWait.WhenCompleted(source.Task, neverCancelled.Token, caller.Token);
                if (i % 3 == 0)
                {
                    await caller.CancelAsync();
                    await wait;
                    Assert.False(source.Task.IsCompleted);
                    source.SetResult(i);
                }
                else
                {
                    _ = Task.Run(() => source.SetResult(i));
                    await wait;
                    Assert.Equal(i, await source.Task);
                }
            }
        }));

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(1));
    }
}
