namespace HybridCacheKit.TestUtilities.Time;

/// <summary>A timer of <see cref="FakeTimeProvider"/>. Scheduling state is guarded by the provider's lock.</summary>
internal sealed class FakeTimer : ITimer
{
    // Same limit as System.Threading.Timer: 0xFFFFFFFE milliseconds.
    private static readonly TimeSpan MaxDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly FakeTimeProvider _provider;
    private readonly TimerCallback _callback;
    private readonly object? _state;

    public FakeTimer(FakeTimeProvider provider, TimerCallback callback, object? state)
    {
        _provider = provider;
        _callback = callback;
        _state = state;
    }

    internal long DueTicks { get; set; }

    internal long PeriodTicks { get; set; } = -1;

    internal long Sequence { get; set; }

    internal bool IsDisposed { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime));
        Validate(period, nameof(period));
        return _provider.Schedule(this, dueTime, period);
    }

    public void Dispose() => _provider.Unschedule(this);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal void Invoke() => _callback(_state);

    private static void Validate(TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && (value < TimeSpan.Zero || value > MaxDueTime))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be Timeout.InfiniteTimeSpan or between zero and 4294967294 ms.");
        }
    }
}
