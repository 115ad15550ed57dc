using System.Collections.Concurrent;

namespace HybridCacheKit.Internal;

/// <summary>What replaying a queued change has to do.</summary>
internal enum PendingAction : byte
{
    /// <summary>The change reached L2 but its backplane message did not go out: send the message again.</summary>
    Announce,

    /// <summary>
    /// The change may not have reached L2, which may still hold what it replaced: remove the key from L2 (for a tag,
    /// write a new invalidation record) and announce that.
    /// </summary>
    Invalidate,
}

/// <summary>A key or a tag whose change waits for replay.</summary>
internal readonly record struct PendingSubject(bool IsTag, string Name);

/// <summary>
/// The latest queued change of a subject. Stamps come from <see cref="CacheClock.NextStamp"/>, so they are unique.
/// <paramref name="Failures"/> counts replays that failed while others went through.
/// </summary>
internal readonly record struct PendingChange(PendingAction Action, long Stamp, int Failures = 0);

/// <summary>
/// The changes waiting for replay (HybridCacheKitOptions.EnableAutoRecovery), one per key or tag: a later change of the
/// same subject replaces the earlier, because its own L2 write (or failure) decides what L2 holds. Bounded: once
/// <c>capacity</c> subjects wait, a new subject is refused (the caller counts and logs it); a subject already queued is
/// still updated. The bound is approximate under concurrent adds (by at most the number of racing callers).
/// </summary>
internal sealed class PendingChanges(int capacity)
{
    private readonly ConcurrentDictionary<PendingSubject, PendingChange> _changes = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    /// <summary>Queues a change, replacing an earlier one of the same subject. False when the queue is full.</summary>
    public bool TryAdd(PendingSubject subject, PendingAction action, long stamp)
    {
        var change = new PendingChange(action, stamp);
        while (true)
        {
            if (_changes.TryGetValue(subject, out var existing))
            {
                if (existing.Stamp > stamp || _changes.TryUpdate(subject, change, existing))
                {
                    return true;
                }

                continue;
            }

            if (Volatile.Read(ref _count) >= capacity)
            {
                return false;
            }

            if (_changes.TryAdd(subject, change))
            {
                Interlocked.Increment(ref _count);
                return true;
            }
        }
    }

    /// <summary>A change of the subject at <paramref name="stamp"/> went through (L2 and message): an earlier queued one is moot.</summary>
    public void Supersede(PendingSubject subject, long stamp)
    {
        if (_changes.TryGetValue(subject, out var existing) && existing.Stamp <= stamp)
        {
            Remove(subject, existing);
        }
    }

    /// <summary>A copy of what waits now.</summary>
    public KeyValuePair<PendingSubject, PendingChange>[] Snapshot() => _changes.ToArray();

    /// <summary>Removes a replayed change, unless a later change of its subject replaced it meanwhile.</summary>
    public bool Complete(PendingSubject subject, PendingChange change) => Remove(subject, change);

    /// <summary>
    /// The replay of <paramref name="change"/> failed while other replays went through, so the failure is its own (a
    /// command the server refuses for this key, say), not an outage. Returns <see langword="true"/> when that has now
    /// happened <paramref name="limit"/> times and the change was given up (removed), so it cannot hold the queue forever.
    /// </summary>
    public bool RecordFailure(PendingSubject subject, PendingChange change, int limit)
    {
        if (change.Failures + 1 >= limit)
        {
            return Remove(subject, change);
        }

        _ = _changes.TryUpdate(subject, change with { Failures = change.Failures + 1 }, change);
        return false;
    }

    /// <summary>
    /// A replayed <see cref="PendingAction.Invalidate"/> reached L2 (at <paramref name="stamp"/>) but its message did
    /// not go out: only the message is owed now.
    /// </summary>
    public void Downgrade(PendingSubject subject, PendingChange change, long stamp)
        => _changes.TryUpdate(subject, new PendingChange(PendingAction.Announce, stamp), change);

    private bool Remove(PendingSubject subject, PendingChange change)
    {
        if (_changes.TryRemove(KeyValuePair.Create(subject, change)))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }
}
