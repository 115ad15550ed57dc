using HybridCacheKit.TestUtilities.Time;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class FakeTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Constructor_Default_StartsAt2000UtcInUtcZone()
    {
        var time = new FakeTimeProvider();

        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), time.GetUtcNow());
        Assert.Equal(TimeSpan.Zero, time.GetUtcNow().Offset);
        Assert.Equal(TimeZoneInfo.Utc, time.LocalTimeZone);
        Assert.Equal(time.GetUtcNow().DateTime, time.GetLocalNow().DateTime);
    }

    [Fact]
    public void Constructor_NonUtcStart_NormalizesToUtc()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 6, 1, 14, 0, 0, TimeSpan.FromHours(2)));

        Assert.Equal(Start, time.GetUtcNow());
        Assert.Equal(TimeSpan.Zero, time.GetUtcNow().Offset);
    }

    [Fact]
    public void Advance_Delta_MovesUtcNowAndTimestamp()
    {
        var time = new FakeTimeProvider(Start);
        var before = time.GetTimestamp();

        time.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(Start.AddMilliseconds(1500), time.GetUtcNow());
        Assert.Equal(TimeSpan.TicksPerSecond, time.TimestampFrequency);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), time.GetElapsedTime(before));
        Assert.Equal(TimeSpan.FromMilliseconds(1500).Ticks, time.GetTimestamp() - before);
    }

    [Fact]
    public void GetTimestamp_WithoutAdvance_DoesNotMove()
    {
        var time = new FakeTimeProvider(Start);
        var before = time.GetTimestamp();

        Thread.Sleep(20);

        Assert.Equal(before, time.GetTimestamp());
        Assert.Equal(Start, time.GetUtcNow());
    }

    [Fact]
    public void Advance_NegativeDelta_Throws()
    {
        var time = new FakeTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void SetUtcNow_Backwards_Throws()
    {
        var time = new FakeTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => time.SetUtcNow(Start.AddTicks(-1)));
    }

    [Fact]
    public void Advance_SeveralTimers_FireInDueOrderSeeingTheirDueTime()
    {
        var time = new FakeTimeProvider(Start);
        var fired = new List<(string Name, TimeSpan At)>();
        void Create(string name, int seconds) => time.CreateTimer(
            _ => fired.Add((name, time.GetUtcNow() - Start)), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
        Create("c", 3);
        Create("a", 1);
        Create("b1", 2);
        Create("b2", 2);

        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(
            [("a", TimeSpan.FromSeconds(1)), ("b1", TimeSpan.FromSeconds(2)), ("b2", TimeSpan.FromSeconds(2)), ("c", TimeSpan.FromSeconds(3))],
            fired);
        Assert.Equal(Start.AddSeconds(5), time.GetUtcNow());
        Assert.Equal(0, time.ScheduledTimerCount);
    }

    [Fact]
    public void Advance_ToJustBeforeDueTime_FiresOnlyWhenDueTimeReached()
    {
        var time = new FakeTimeProvider(Start);
        var count = 0;
        using var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal(0, count);

        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, count);

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, count);
    }

    [Fact]
    public void SetUtcNow_PastDueTime_FiresTimer()
    {
        var time = new FakeTimeProvider(Start);
        object? received = null;
        var state = new object();
        using var timer = time.CreateTimer(s => received = s, state, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        time.SetUtcNow(Start.AddMinutes(2));

        Assert.Same(state, received);
        Assert.Equal(Start.AddMinutes(2), time.GetUtcNow());
    }

    [Fact]
    public void CreateTimer_Periodic_FiresOncePerElapsedPeriod()
    {
        var time = new FakeTimeProvider(Start);
        var firedAt = new List<TimeSpan>();
        using var timer = time.CreateTimer(
            _ => firedAt.Add(time.GetUtcNow() - Start), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)], firedAt);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, firedAt.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), firedAt[^1]);
    }

    [Fact]
    public void CreateTimer_ZeroDueTime_FiresImmediately()
    {
        var time = new FakeTimeProvider(Start);
        var count = 0;

        using var timer = time.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(1, count);
    }

    [Fact]
    public void CreateTimer_InfiniteDueTime_NeverFires()
    {
        var time = new FakeTimeProvider(Start);
        var count = 0;

        using var timer = time.CreateTimer(_ => count++, null, Timeout.InfiniteTimeSpan, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(0, count);
        Assert.Equal(0, time.ScheduledTimerCount);
    }

    [Fact]
    public void CreateTimer_NegativeDueTime_Throws()
    {
        var time = new FakeTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(
            () => time.CreateTimer(_ => { }, null, TimeSpan.FromMilliseconds(-2), Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Change_NewDueTime_FiresAtNewTimeOnly()
    {
        var time = new FakeTimeProvider(Start);
        var firedAt = new List<TimeSpan>();
        using var timer = time.CreateTimer(
            _ => firedAt.Add(time.GetUtcNow() - Start), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        Assert.True(timer.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(firedAt);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([TimeSpan.FromSeconds(5)], firedAt);
    }

    [Fact]
    public void Change_ToInfinite_StopsPeriodicTimer()
    {
        var time = new FakeTimeProvider(Start);
        var count = 0;
        using var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(2, count);
    }

    [Fact]
    public void Change_FromInsideCallback_StopsFurtherPeriods()
    {
        var time = new FakeTimeProvider(Start);
        var count = 0;
        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            if (++count == 3)
            {
                timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(3, count);
        timer.Dispose();
    }

    [Fact]
    public void Dispose_ScheduledTimer_NeverFiresAndChangeReturnsFalse()
    {
        var time = new FakeTimeProvider(Start);
        var count = 0;
        var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal(1, time.ScheduledTimerCount);

        timer.Dispose();
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, count);
        Assert.Equal(0, time.ScheduledTimerCount);
        Assert.False(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Advance_TimerCreatedInCallback_FiresInSameAdvanceWhenDue()
    {
        var time = new FakeTimeProvider(Start);
        var firedAt = new List<TimeSpan>();
        using var outer = time.CreateTimer(_ =>
        {
            firedAt.Add(time.GetUtcNow() - Start);
            time.CreateTimer(_ => firedAt.Add(time.GetUtcNow() - Start), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], firedAt);
    }

    [Fact]
    public void TaskDelay_WithFakeTime_CompletesOnlyAfterAdvance()
    {
        var time = new FakeTimeProvider(Start);

        var delay = Task.Delay(TimeSpan.FromSeconds(5), time);
        Thread.Sleep(50);
        Assert.False(delay.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(delay.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(delay.IsCompletedSuccessfully);
        Assert.Equal(0, time.ScheduledTimerCount);
    }

    [Fact]
    public async Task TaskDelay_CancelledBeforeAdvance_IsCancelledAndUnschedulesTimer()
    {
        var time = new FakeTimeProvider(Start);
        using var cts = new CancellationTokenSource();

        var delay = Task.Delay(TimeSpan.FromSeconds(5), time, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay);
        Assert.Equal(0, time.ScheduledTimerCount);
    }

    [Fact]
    public async Task WaitAsync_WithFakeTime_TimesOutOnlyAfterAdvance()
    {
        var time = new FakeTimeProvider(Start);
        var never = new TaskCompletionSource();

        var wait = never.Task.WaitAsync(TimeSpan.FromSeconds(2), time);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(wait.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => wait);
    }

    [Fact]
    public async Task WaitAsync_TaskCompletesBeforeTimeout_ReturnsAndUnschedulesTimer()
    {
        var time = new FakeTimeProvider(Start);
        var source = new TaskCompletionSource<int>();

        var wait = source.Task.WaitAsync(TimeSpan.FromSeconds(2), time);
        source.SetResult(7);

        Assert.Equal(7, await wait);
        Assert.Equal(0, time.ScheduledTimerCount);
    }

    [Fact]
    public void CancellationTokenSource_WithFakeTime_CancelsOnlyAfterAdvance()
    {
        var time = new FakeTimeProvider(Start);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3), time);

        time.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        Assert.False(cts.IsCancellationRequested);

        time.Advance(TimeSpan.FromTicks(1));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public void CancelAfter_OnFakeTimeSource_UsesNewDelay()
    {
        var time = new FakeTimeProvider(Start);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3), time);

        cts.CancelAfter(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(cts.IsCancellationRequested);

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public void Advance_ConcurrentCallers_AccumulateAllTimeAndFireEachPeriodOnce()
    {
        var time = new FakeTimeProvider(Start);
        var fired = 0;
        using var timer = time.CreateTimer(
            _ => Interlocked.Increment(ref fired), null, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (var i = 0; i < 250; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }
        });

        Assert.Equal(Start.AddSeconds(1), time.GetUtcNow());
        Assert.Equal(1000, fired);
    }
}
