using Microsoft.Extensions.Caching.Memory;

namespace HybridCacheKit.Internal;

// L1: a private MemoryCache of CacheItem. MemoryCache's own expiration (wall clock) only reclaims memory; whether an
// item may be served is decided here, against the injected TimeProvider and the local tag invalidation state.
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
        if (!_l1.TryGetValue(key, out var boxed) || boxed is not CacheItem found)
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
            _l1.Remove(key);
            item = null;
            return L1Result.Miss;
        }

        var now = _clock.NowMs();
        item = found;
        if (now < found.FreshUntilMs && found.Epoch == Volatile.Read(ref _l1Epoch))
        {
            return L1Result.Fresh;
        }

        return now < found.HoldUntilMs ? L1Result.Stale : L1Result.Miss;
    }

    private void SetL1(string key, CacheItem item, Flight? origin = null)
    {
        var holdMs = item.HoldUntilMs - _clock.NowMs();
        if (holdMs <= 0 || origin?.L1WriteSuppressed == true)
        {
            return;
        }

        item.Epoch = Volatile.Read(ref _l1Epoch);
        using (var entry = _l1.CreateEntry(key))
        {
            entry.Value = item;
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(holdMs);
            entry.Size = item.Size;
        }

        // The backplane may have reported a change between the check above and the insert.
        if (origin?.L1WriteSuppressed == true)
        {
            _l1.Remove(key);
        }
    }

    private static InvalidOperationException TypeMismatch(Type cached, Type requested)
        => new($"HybridCacheKit: a key was requested as {requested.FullName} but is cached (or being fetched) as {cached.FullName}. " +
               "Use one type per key, or different keys for different types.");
}
