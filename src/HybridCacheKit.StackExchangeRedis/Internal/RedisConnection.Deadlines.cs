namespace HybridCacheKit.StackExchangeRedis.Internal;

// The operation timeout without a timer per call. Calls whose deadlines fall within one "slot" share a
// CancellationTokenSource that its own timer cancels at the end of the slot; a call registers on the shared token (the
// source reuses its registration nodes, so this allocates nothing in the steady state) and removes itself when Redis
// answers. A slot is OperationTimeout / 16 long (at least 1 ms), so a call gives up between OperationTimeout and
// 1.0625 × OperationTimeout after it started (250 ms → 250–266 ms); with the default settings that is a new source and
// timer about every 16 ms however many calls are in flight, instead of one per call. Time comes from the injected
// TimeProvider, so a fake clock drives these timeouts as it drives everything else.
internal sealed partial class RedisConnection
{
    private DeadlineSlot? _currentSlot;

    /// <summary>A token cancelled no earlier than <paramref name="timeout"/> from now and at most one slot later.</summary>
    private CancellationToken DeadlineToken(TimeSpan timeout)
    {
        var slotLength = SlotLength(timeout);
        var now = _time.GetTimestamp();
        var deadline = now + ToTimestampTicks(timeout);
        var slot = Volatile.Read(ref _currentSlot);
        if (slot is not null && slot.DueTimestamp >= deadline && slot.DueTimestamp - deadline <= ToTimestampTicks(slotLength))
        {
            return slot.Token;
        }

        // Concurrent callers may each open a slot; one becomes current, the others serve only their creator. Harmless.
        var opened = new DeadlineSlot(deadline + ToTimestampTicks(slotLength), new CancellationTokenSource(timeout + slotLength, _time));
        _ = Interlocked.CompareExchange(ref _currentSlot, opened, slot);
        return opened.Token;
    }

    private static TimeSpan SlotLength(TimeSpan timeout) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, timeout.Ticks / 16));

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>
    /// One slot: the source is never disposed, because calls may still register on it; its timer releases itself when
    /// it fires, and then the slot is garbage once no call refers to it.
    /// </summary>
    private sealed class DeadlineSlot(long dueTimestamp, CancellationTokenSource source)
    {
        public long DueTimestamp { get; } = dueTimestamp;

        public CancellationToken Token { get; } = source.Token;
    }
}
