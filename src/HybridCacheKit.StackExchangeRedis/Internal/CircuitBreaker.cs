namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Consecutive-failure circuit breaker. Closed: calls flow. After <c>threshold</c> consecutive failures it opens and
/// rejects calls for the break duration; then it lets exactly one probe through (half-open): success closes it,
/// failure re-opens it, and a probe that ends neither way (cancelled by its caller, or refused before Redis saw it)
/// hands the probe to the next caller (<see cref="ReleaseProbe"/>). Every probe must end in one of the three, or the
/// breaker would stay half-open and reject every call for good. Lock-free; time from the injected
/// <see cref="TimeProvider"/>.
/// </summary>
internal sealed class CircuitBreaker(int threshold, TimeSpan breakDuration, TimeProvider time)
{
    private const int Closed = 0;
    private const int Open = 1;
    private const int HalfOpen = 2;

    private int _state;
    private int _failures;
    private long _openUntilTimestamp;

    public bool IsOpen => Volatile.Read(ref _state) != Closed;

    /// <summary>
    /// Whether <see cref="TryEnter"/> could return <see langword="true"/> now, without taking the half-open probe: closed,
    /// or open with its break duration over.
    /// </summary>
    public bool WouldAdmit => Volatile.Read(ref _state) switch
    {
        Closed => true,
        Open => time.GetTimestamp() >= Volatile.Read(ref _openUntilTimestamp),
        _ => false,
    };

    /// <summary>
    /// Whether a call may go to Redis now. When the break is over exactly one caller gets <see langword="true"/> with
    /// <paramref name="probe"/> set: it must end with <see cref="OnSuccess"/>, <see cref="OnFailure"/> or
    /// <see cref="ReleaseProbe"/>.
    /// </summary>
    public bool TryEnter(out bool probe)
    {
        probe = false;
        switch (Volatile.Read(ref _state))
        {
            case Closed:
                return true;
            case Open when time.GetTimestamp() >= Volatile.Read(ref _openUntilTimestamp):
                probe = Interlocked.CompareExchange(ref _state, HalfOpen, Open) == Open;
                return probe;
            default:
                return false;
        }
    }

    /// <summary>
    /// The probe ended without telling whether Redis answers (its caller cancelled it, or it failed before reaching
    /// Redis): open again with the break already over, so the next call probes.
    /// </summary>
    public void ReleaseProbe()
    {
        Volatile.Write(ref _openUntilTimestamp, time.GetTimestamp());
        Interlocked.CompareExchange(ref _state, Open, HalfOpen);
    }

    public void OnSuccess()
    {
        // Every successful call lands here, on whichever thread its reply completed on: write only when something
        // changes, so the steady state leaves the breaker's cache line shared instead of moving it between cores.
        if (Volatile.Read(ref _failures) != 0)
        {
            Volatile.Write(ref _failures, 0);
        }

        if (Volatile.Read(ref _state) != Closed)
        {
            Volatile.Write(ref _state, Closed);
        }
    }

    public void OnFailure()
    {
        if (Volatile.Read(ref _state) == HalfOpen || Interlocked.Increment(ref _failures) >= threshold)
        {
            Volatile.Write(ref _openUntilTimestamp, time.GetTimestamp() + (long)(breakDuration.TotalSeconds * time.TimestampFrequency));
            Volatile.Write(ref _state, Open);
        }
    }
}
