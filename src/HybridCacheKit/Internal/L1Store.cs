using System.Collections.Concurrent;
using System.Numerics;

namespace HybridCacheKit.Internal;

/// <summary>
/// The in-process tier's storage: a <see cref="ConcurrentDictionary{TKey, TValue}"/> of <see cref="CacheItem"/> with
/// size accounting, a periodic sweep of items past their hold time, and approximate-LRU compaction when a size limit
/// is set. It replaces <c>MemoryCache</c>, whose every lookup reads the wall clock and writes the entry's
/// last-access time — the engine already decides freshness itself on its monotonic clock, so a hit here is one
/// dictionary lookup. Hits record their access time only when it moved by more than a second (coarse LRU, no write
/// on most hits).
/// </summary>
/// <remarks>
/// With admission (a size limit and an L2 behind this tier, so a value left out is still one read away), every lookup
/// of a key the tier does not hold and every explicit write of such a key counts as a use in a
/// <see cref="FrequencySketch"/>, and once the tier is at least 80% full such a key is admitted only if it was used at
/// least twice recently. One-off reads and scans then do not push hot entries out, and values that would be evicted
/// before their second use are not stored (fewer insertions, less work for the GC). Without admission every value is
/// stored, as before.
/// </remarks>
internal sealed class L1Store : IDisposable
{
    private const long AccessResolutionMs = 1000;
    private const double CompactToFraction = 0.8;

    // Compaction ranks items by age in this many log-linear buckets (AgeOf); 256 longs on the stack.
    private const int AgeBuckets = 256;

    // A new key is admitted into a tier at least CompactToFraction full only if accessed at least this often recently.
    private const int AdmissionThreshold = 2;

    private readonly ConcurrentDictionary<string, CacheItem> _items = new(StringComparer.Ordinal);
    private readonly CacheClock _clock;
    private readonly long? _sizeLimit;
    private readonly long? _maxItemSize;
    private readonly ITimer _sweepTimer;
    private readonly FrequencySketch? _sketch;
    private readonly Action? _onRejected;
    private long _size;
    private long _rejected;
    private int _compacting;

    /// <param name="clock">The engine's clock.</param>
    /// <param name="sizeLimit">The tier's size limit, if any.</param>
    /// <param name="sweepInterval">How often items past their hold time are dropped.</param>
    /// <param name="admission">Whether new keys must be frequent to enter a nearly full tier (only with a size limit).</param>
    /// <param name="onRejected">Called each time admission leaves a value out (the engine's metric).</param>
    public L1Store(CacheClock clock, long? sizeLimit, TimeSpan sweepInterval, bool admission = false, Action? onRejected = null)
    {
        _onRejected = onRejected;
        _clock = clock;
        _sizeLimit = sizeLimit;
        _maxItemSize = sizeLimit is { } cap ? (long)(cap * (1 - CompactToFraction)) : null;
        _sweepTimer = clock.TimeProvider.CreateTimer(static s => ((L1Store)s!).Sweep(), this, sweepInterval, sweepInterval);

        // Sized for the number of ~512-byte entries the limit holds: enough counters that hot keys rarely share them.
        _sketch = admission && sizeLimit is { } limit ? new FrequencySketch(limit / 512) : null;
    }

    public int Count => _items.Count;

    /// <summary>Whether new keys go through admission (see the remarks).</summary>
    public bool HasAdmission => _sketch is not null;

    /// <summary>Values not stored because their key was not frequent enough to enter the nearly full tier.</summary>
    public long AdmissionRejections => Interlocked.Read(ref _rejected);

    /// <summary>The summed <see cref="CacheItem.Size"/> of the items held.</summary>
    public long Size => Volatile.Read(ref _size);

    public bool TryGet(string key, out CacheItem item, long nowMs)
    {
        if (!_items.TryGetValue(key, out item!))
        {
            // Only uses of keys the tier does not hold count: those are the ones admission decides on, and a hit
            // (most lookups) then costs nothing more.
            _sketch?.Increment(key);
            return false;
        }

        if (nowMs - Volatile.Read(ref item.LastAccessMs) > AccessResolutionMs)
        {
            Volatile.Write(ref item.LastAccessMs, nowMs);
        }

        return true;
    }

    /// <summary>The item held for <paramref name="key"/>, without counting an access (diagnostics and tests).</summary>
    public CacheItem? Peek(string key) => _items.TryGetValue(key, out var item) ? item : null;

    /// <param name="key">The key.</param>
    /// <param name="item">The item.</param>
    /// <param name="recordAccess">Whether this store is an access of its own (an explicit write), rather than the fill
    /// that follows a lookup which already counted.</param>
    public void Set(string key, CacheItem item, bool recordAccess = false)
    {
        var size = item.Size;
        if (size > _maxItemSize)
        {
            // Larger than what compaction frees (the tier above CompactToFraction): storing it would evict everything
            // else, at every store of such a value. Keep it out (it is still in L2) and drop an older value of the key.
            Remove(key);
            return;
        }

        if (_sketch is not null && !Admits(key, size, recordAccess))
        {
            // Also drops a value another thread may have just put in for this key: a value left out must not leave an
            // older one behind.
            Remove(key);
            Interlocked.Increment(ref _rejected);
            _onRejected?.Invoke();
            return;
        }

        item.LastAccessMs = _clock.NowMs();
        long delta;
        while (true)
        {
            if (_items.TryGetValue(key, out var old))
            {
                if (_items.TryUpdate(key, item, old))
                {
                    delta = size - old.Size;
                    break;
                }
            }
            else if (_items.TryAdd(key, item))
            {
                delta = size;
                break;
            }
        }

        Interlocked.Add(ref _size, delta);
        if (_sizeLimit is { } limit && Volatile.Read(ref _size) > limit)
        {
            Compact(limit, item);
        }
    }

    private bool Admits(string key, long size, bool recordAccess)
    {
        if (_items.ContainsKey(key))
        {
            return true;
        }

        if (recordAccess)
        {
            _sketch!.Increment(key);
        }

        return Volatile.Read(ref _size) + size <= (long)(_sizeLimit!.Value * CompactToFraction)
            || _sketch!.Estimate(key) >= AdmissionThreshold;
    }

    public bool Remove(string key)
    {
        if (_items.TryRemove(key, out var removed))
        {
            Interlocked.Add(ref _size, -removed.Size);
            return true;
        }

        return false;
    }

    /// <summary>Removes <paramref name="item"/> only if it is still the one stored under <paramref name="key"/>.</summary>
    public void Remove(string key, CacheItem item)
    {
        if (_items.TryRemove(new KeyValuePair<string, CacheItem>(key, item)))
        {
            Interlocked.Add(ref _size, -item.Size);
        }
    }

    public void Clear()
    {
        foreach (var pair in _items)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    /// <summary>Drops items past their hold time (they can never be served again).</summary>
    public void Sweep()
    {
        var nowMs = _clock.NowMs();
        foreach (var pair in _items)
        {
            if (pair.Value.HoldUntilMs <= nowMs)
            {
                Remove(pair.Key, pair.Value);
            }
        }
    }

    public void Dispose() => _sweepTimer.Dispose();

    /// <summary>
    /// Brings the size under 80% of the limit: expired items first, then the least recently used (within 12.5% of their
    /// age), never the item whose store triggered the compaction.
    /// </summary>
    /// <remarks>
    /// Two passes over the dictionary and no allocation: the first drops expired items and sums the sizes of the others
    /// by age bucket (time since the last recorded access; hits record it to the second, stores to the millisecond); the
    /// cut-off age is then
    /// the youngest whose items, with all older ones, cover the excess; the second pass evicts everything older, and
    /// items of the cut-off age until the size is under the target. Enumerating a ConcurrentDictionary takes no lock,
    /// so readers and writers go on meanwhile. (Copying it to an array and sorting, as before, took every bucket lock,
    /// and the array of a 16 MB tier of 1 KB values landed on the large object heap at each compaction.)
    /// </remarks>
    private void Compact(long limit, CacheItem justStored)
    {
        // A store that finds a compaction running leaves it to that one, which looks again when done: stores made
        // meanwhile may have put the tier back over its limit, and no later store might come to compact it. Twice at
        // most, so that writers faster than compaction cannot keep one caller here.
        for (var pass = 0; pass < 2 && Volatile.Read(ref _size) > limit; pass++)
        {
            if (Interlocked.Exchange(ref _compacting, 1) != 0)
            {
                return;
            }

            try
            {
                CompactOnce(limit, justStored);
            }
            finally
            {
                Volatile.Write(ref _compacting, 0);
            }
        }
    }

    private void CompactOnce(long limit, CacheItem justStored)
    {
        var target = (long)(limit * CompactToFraction);
        var nowMs = _clock.NowMs();
        Span<long> bytesByAge = stackalloc long[AgeBuckets];
        foreach (var pair in _items)
        {
            if (pair.Value.HoldUntilMs <= nowMs)
            {
                Remove(pair.Key, pair.Value);
            }
            else
            {
                bytesByAge[AgeOf(pair.Value, nowMs)] += pair.Value.Size;
            }
        }

        var excess = Volatile.Read(ref _size) - target;
        if (excess <= 0)
        {
            return;
        }

        var cutoff = AgeBuckets - 1;
        for (long covered = 0; cutoff > 0; cutoff--)
        {
            covered += bytesByAge[cutoff];
            if (covered >= excess)
            {
                break;
            }
        }

        foreach (var pair in _items)
        {
            var age = AgeOf(pair.Value, nowMs);
            if ((age > cutoff || (age == cutoff && Volatile.Read(ref _size) > target)) && !ReferenceEquals(pair.Value, justStored))
            {
                Remove(pair.Key, pair.Value);
            }
        }
    }

    /// <summary>
    /// The age bucket of an item: milliseconds since its last recorded access on a log-linear scale (exact below 16 ms,
    /// then 8 buckets per power of two, so within 12.5%); the last bucket holds everything older (about 200 days).
    /// </summary>
    private static int AgeOf(CacheItem item, long nowMs)
    {
        var age = Math.Max(0, nowMs - Volatile.Read(ref item.LastAccessMs));
        if (age < 16)
        {
            return (int)age;
        }

        var power = 63 - BitOperations.LeadingZeroCount((ulong)age); // 4 or more
        var bucket = 16 + ((power - 4) * 8) + (int)((age >> (power - 3)) & 7);
        return Math.Min(bucket, AgeBuckets - 1);
    }
}
