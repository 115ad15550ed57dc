using System.Globalization;

namespace HybridCacheKit.TestUtilities.Time;

/// <summary>
/// A manually driven <see cref="TimeProvider"/>: time only moves through <see cref="Advance"/> or
/// <see cref="SetUtcNow"/>, and timers due on the way fire synchronously on the calling thread,
/// in due-time order (ties in scheduling order), each seeing the clock at its own due time.
/// Works with <c>Task.Delay</c>, <c>Task.WaitAsync</c> and <c>CancellationTokenSource</c>
/// overloads that take a <see cref="TimeProvider"/>. Thread-safe; concurrent advances are
/// serialized, so a timer callback must not block on another thread that advances this clock.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly object _advanceGate = new();
    private readonly List<FakeTimer> _scheduled = [];
    private DateTimeOffset _now;
    private long _sequence;

    /// <summary>Starts the clock at 2000-01-01T00:00:00Z.</summary>
    public FakeTimeProvider()
        : this(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Starts the clock at <paramref name="startDateTime"/>.</summary>
    public FakeTimeProvider(DateTimeOffset startDateTime)
    {
        Start = startDateTime.ToUniversalTime();
        _now = Start;
    }

    /// <summary>The time the clock started at.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Timers that are scheduled to fire (created, not disposed, with a finite due time).</summary>
    public int ScheduledTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _scheduled.Count;
            }
        }
    }

    /// <summary>Always UTC, so tests do not depend on the machine's zone.</summary>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>One timestamp unit is one <see cref="TimeSpan"/> tick.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>Ticks of the fake clock; moves exactly with <see cref="Advance"/>.</summary>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing timers that fall due.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        lock (_advanceGate)
        {
            FireDueTimers(GetUtcNow() + delta);
        }
    }

    /// <summary>Moves the clock to <paramref name="value"/> (never backwards), firing timers that fall due.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_advanceGate)
        {
            var now = GetUtcNow();
            if (value < now)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Cannot move the clock back from {now:O}.");
            }

            FireDueTimers(value.ToUniversalTime());
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc />
    public override string ToString() => GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Schedules or unschedules a timer; fires it at once when due now, like a real timer with due time zero.</summary>
    internal bool Schedule(FakeTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            if (timer.IsDisposed)
            {
                return false;
            }

            _scheduled.Remove(timer);
            timer.PeriodTicks = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? -1 : period.Ticks;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }

            timer.DueTicks = _now.UtcTicks + dueTime.Ticks;
            timer.Sequence = ++_sequence;
            _scheduled.Add(timer);
        }

        if (dueTime == TimeSpan.Zero)
        {
            FireDueTimers(GetUtcNow());
        }

        return true;
    }

    internal void Unschedule(FakeTimer timer)
    {
        lock (_gate)
        {
            timer.IsDisposed = true;
            _scheduled.Remove(timer);
        }
    }

    private void FireDueTimers(DateTimeOffset target)
    {
        while (true)
        {
            FakeTimer? next = null;
            lock (_gate)
            {
                foreach (var timer in _scheduled)
                {
                    if (timer.DueTicks <= target.UtcTicks &&
                        (next is null || timer.DueTicks < next.DueTicks ||
                         (timer.DueTicks == next.DueTicks && timer.Sequence < next.Sequence)))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                if (next.DueTicks > _now.UtcTicks)
                {
                    _now = new DateTimeOffset(next.DueTicks, TimeSpan.Zero);
                }

                // Reschedule (or remove) before invoking so a concurrent pass cannot fire it twice.
                if (next.PeriodTicks > 0)
                {
                    next.DueTicks += next.PeriodTicks;
                    next.Sequence = ++_sequence;
                }
                else
                {
                    _scheduled.Remove(next);
                }
            }

            next.Invoke();
        }
    }
}
