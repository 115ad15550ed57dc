using System.Collections.Concurrent;

namespace HybridCacheKit.Internal;

/// <summary>
/// The in-process tier's storage: a <see cref="ConcurrentDictionary{TKey, TValue}"/> of <see cref="CacheItem"/> with
/// size accounting, a periodic sweep of items past their hold time, and approximate-LRU compaction when a size limit
/// is set. It replaces <c>MemoryCache</c>, whose every lookup reads the wall clock and writes the entry's
/// last-access time — the engine already decides freshness itself on its monotonic clock, so a hit here is one
/// dictionary lookup. Hits record their access time only when it moved by more than a second (coarse LRU, no write
/// on most hits).
/// </summary>
internal sealed class L1Store : IDisposable
{
    private const long AccessResolutionMs = 1000;
    private const double CompactToFraction = 0.8;

    private readonly ConcurrentDictionary<string, CacheItem> _items = new(StringComparer.Ordinal);
    private readonly CacheClock _clock;
    private readonly long? _sizeLimit;
    private readonly ITimer _sweepTimer;
    private long _size;
    private int _compacting;

    public L1Store(CacheClock clock, long? sizeLimit, TimeSpan sweepInterval)
    {
        _clock = clock;
        _sizeLimit = sizeLimit;
        _sweepTimer = clock.TimeProvider.CreateTimer(static s => ((L1Store)s!).Sweep(), this, sweepInterval, sweepInterval);
    }

    public int Count => _items.Count;

    /// <summary>The summed <see cref="CacheItem.Size"/> of the items held.</summary>
    public long Size => Volatile.Read(ref _size);

    public bool TryGet(string key, out CacheItem item, long nowMs)
    {
        if (!_items.TryGetValue(key, out item!))
        {
            return false;
        }

        if (nowMs - Volatile.Read(ref item.LastAccessMs) > AccessResolutionMs)
        {
            Volatile.Write(ref item.LastAccessMs, nowMs);
        }

        return true;
    }

    public void Set(string key, CacheItem item)
    {
        var size = item.Size;
        if (size > _sizeLimit)
        {
            // Larger than the whole tier: keep it out rather than evict everything else for it.
            Remove(key);
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
            Compact(limit);
        }
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

    /// <summary>Brings the size under 80% of the limit: expired items first, then the least recently used.</summary>
    private void Compact(long limit)
    {
        if (Interlocked.Exchange(ref _compacting, 1) != 0)
        {
            return;
        }

        try
        {
            Sweep();
            var target = (long)(limit * CompactToFraction);
            if (Volatile.Read(ref _size) <= target)
            {
                return;
            }

            var candidates = _items.ToArray();
            Array.Sort(candidates, static (a, b) => a.Value.LastAccessMs.CompareTo(b.Value.LastAccessMs));
            foreach (var pair in candidates)
            {
                if (Volatile.Read(ref _size) <= target)
                {
                    break;
                }

                Remove(pair.Key, pair.Value);
            }
        }
        finally
        {
            Volatile.Write(ref _compacting, 0);
        }
    }
}
