namespace HybridCacheKit.Internal;

// L1: an L1Store of CacheItem. Whether an item may be served is decided here, on the monotonic clock of the injected
// TimeProvider and against the local tag invalidation state; the store only holds, sweeps and bounds the items.
internal sealed partial class DefaultHybridCache
{
    private enum L1Result
    {
        Miss,
        Fresh,
        Stale,
    }

    private L1Result LookupL1(string key, Type type, out CacheItem? item)
    {
        var now = _clock.NowMs();
        if (!_l1.TryGet(key, out var found, now))
        {
            item = null;
            return L1Result.Miss;
        }

        if (found.ValueType != type)
        {
            throw TypeMismatch(found.ValueType, type);
        }

        if (IsInvalidatedLocally(found))
        {
            _l1.Remove(key, found);
            item = null;
            return L1Result.Miss;
        }

        item = found;
        if (now < found.FreshUntilMs && found.Epoch == Volatile.Read(ref _l1Epoch))
        {
            return L1Result.Fresh;
        }

        return now < found.HoldUntilMs ? L1Result.Stale : L1Result.Miss;
    }

    /// <summary>The L1 item held for a key, whatever its freshness (for benchmarks and diagnostics).</summary>
    internal CacheItem? PeekL1(string key) => _l1.Peek(key);

    /// <summary>Values L1 admission left out (see <see cref="L1Store"/>).</summary>
    internal long L1AdmissionRejectionsForTests => _l1.AdmissionRejections;

    internal long L1SizeForTests => _l1.Size;

    /// <param name="key">The key.</param>
    /// <param name="item">The item.</param>
    /// <param name="origin">The run that produced it, if any: it is kept out when the run was superseded, and takes the run's epoch.</param>
    /// <param name="recordAccess">Whether this counts as an access for L1 admission.</param>
    /// <param name="readEpoch">The L1 epoch when the item's L2 read started (a read outside a run); otherwise the current one.</param>
    private void SetL1(string key, CacheItem item, Flight? origin = null, bool recordAccess = false, int? readEpoch = null)
    {
        var holdMs = item.HoldUntilMs - _clock.NowMs();
        if (holdMs <= 0 || origin?.Superseded == true)
        {
            return;
        }

        item.Epoch = origin?.L1Epoch ?? readEpoch ?? Volatile.Read(ref _l1Epoch);
        _l1.Set(key, item, recordAccess);

        // The backplane may have reported a change between the check above and the insert. Only this item goes: a
        // newer one a concurrent SetAsync stored meanwhile stays.
        if (origin?.Superseded == true)
        {
            _l1.Remove(key, item);
        }
    }

    private static InvalidOperationException TypeMismatch(Type cached, Type requested)
        => new($"HybridCacheKit: a key was requested as {requested.FullName} but is cached (or being fetched) as {cached.FullName}. " +
               "Use one type per key, or different keys for different types.");
}
