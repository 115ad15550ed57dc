namespace HybridCacheKit.Shared;

/// <summary>
/// Timeouts without a timer per call. Calls whose deadlines fall within one "slot" share a
/// <see cref="CancellationTokenSource"/> that its own timer cancels at the end of the slot; a call registers on the shared
/// token (the source reuses its registration nodes, so this allocates nothing in the steady state) and removes itself when
/// it completes. A slot is timeout / 16 long (at least 1 ms), so a call gives up between timeout and 1.0625 × timeout after
/// it started (250 ms → 250–266 ms): with a steady timeout that is a new source and timer every timeout / 16 however many
/// calls are in flight, instead of one per call. Time comes from the injected <see cref="TimeProvider"/>, so a fake clock
/// drives these timeouts as it drives everything else.
/// </summary>
/// <remarks>Shared source, compiled into the engine and the Redis package (src/Shared).</remarks>
internal sealed class DeadlineSlots(TimeProvider time)
{
    private Slot? _current;

    /// <summary>A token cancelled no earlier than <paramref name="timeout"/> from now and at most one slot later.</summary>
    public CancellationToken Token(TimeSpan timeout)
    {
        var slotLength = SlotLength(timeout);
        var deadline = time.GetTimestamp() + ToTimestampTicks(timeout);
        var slot = Volatile.Read(ref _current);
        if (slot is not null && slot.DueTimestamp >= deadline && slot.DueTimestamp - deadline <= ToTimestampTicks(slotLength))
        {
            return slot.Token;
        }

        // Concurrent callers may each open a slot; one becomes current, the others serve only their creator. Harmless.
        var opened = new Slot(deadline + ToTimestampTicks(slotLength), new CancellationTokenSource(timeout + slotLength, time));
        _ = Interlocked.CompareExchange(ref _current, opened, slot);
        return opened.Token;
    }

    private static TimeSpan SlotLength(TimeSpan timeout) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, timeout.Ticks / 16));

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    /// <summary>
    /// One slot: the source is never disposed, because calls may still register on it; its timer releases itself when
    /// it fires, and then the slot is garbage once no call refers to it.
    /// </summary>
    private sealed class Slot(long dueTimestamp, CancellationTokenSource source)
    {
        public long DueTimestamp { get; } = dueTimestamp;

        public CancellationToken Token { get; } = source.Token;
    }
}
