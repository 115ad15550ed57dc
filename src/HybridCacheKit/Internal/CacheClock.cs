namespace HybridCacheKit.Internal;

/// <summary>
/// The engine's two clocks, both read through the injected <see cref="TimeProvider"/>:
/// UTC ticks for everything shared between instances (creation stamps, logical expiry, tag invalidations), and a
/// monotonic millisecond clock for L1 deadlines. The hot path (an L1 hit) only reads the monotonic one; for the system
/// provider that is <see cref="Environment.TickCount64"/>, which costs a few nanoseconds.
/// </summary>
internal sealed class CacheClock
{
    private readonly TimeProvider _time;
    private readonly bool _isSystem;
    private readonly double _msPerTimestampTick;
    private long _lastStamp;

    public CacheClock(TimeProvider time)
    {
        _time = time;
        _isSystem = ReferenceEquals(time, TimeProvider.System);
        _msPerTimestampTick = 1000.0 / time.TimestampFrequency;
    }

    public TimeProvider TimeProvider => _time;

    /// <summary>Milliseconds on a monotonic clock; only differences are meaningful.</summary>
    public long NowMs() => _isSystem ? Environment.TickCount64 : (long)(_time.GetTimestamp() * _msPerTimestampTick);

    public long UtcNowTicks() => _time.GetUtcNow().UtcTicks;

    /// <summary>
    /// A UTC-ticks stamp strictly greater than every stamp this instance handed out before. Creation stamps and
    /// invalidation stamps come from here, so within one process "created before the invalidation" is exact even when
    /// two events fall in the same clock tick.
    /// </summary>
    public long NextStamp()
    {
        var now = UtcNowTicks();
        while (true)
        {
            var last = Volatile.Read(ref _lastStamp);
            var next = now > last ? now : last + 1;
            if (Interlocked.CompareExchange(ref _lastStamp, next, last) == last)
            {
                return next;
            }
        }
    }

    /// <summary>Converts a UTC instant to the monotonic millisecond clock, relative to the current time.</summary>
    public static long ToLocalMs(long utcTicks, long nowUtcTicks, long nowMs)
    {
        var deltaMs = (utcTicks - nowUtcTicks) / TimeSpan.TicksPerMillisecond;
        return nowMs + deltaMs;
    }
}
