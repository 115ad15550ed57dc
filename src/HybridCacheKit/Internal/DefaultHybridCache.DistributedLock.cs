using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;

namespace HybridCacheKit.Internal;

// Cross-instance stampede protection through the registered IHybridCacheDistributedLock (the Redis package's).
// After an L2 miss a run tries the lock: the winner computes and stores, then releases, which wakes the others;
// they re-read L2. A holder that died is taken over when its lock expires; a wait longer than WaitTimeout for one
// holder, or a lock service that cannot be reached, falls back to computing locally. The wait is per holder: when the
// lock changes hands (a dead holder's lock expired and another instance took it), the waiters start a new wait for the
// new holder, or with WaitTimeout <= LockExpiry they would all give up the moment it expires and run N factories.
internal sealed partial class DefaultHybridCache
{
    /// <summary>How far past its WaitTimeout a waiter still waits for the holder's lock to expire, to take it over.</summary>
    private const long TakeoverGraceMs = 100;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(HybridCacheLockLease? Lease, L2Read<T> FromPeer)> AcquireOrWaitAsync<T>(string key, EntrySettings settings, CancellationToken cancellationToken)
    {
        var distributedLock = _lock!;
        var waitMs = (long)distributedLock.WaitTimeout.TotalMilliseconds;
        var deadline = _clock.NowMs() + waitMs;
        string? holder = null;
        while (true)
        {
            var lease = await distributedLock.TryAcquireAsync(key, cancellationToken).ConfigureAwait(false);
            if (lease.IsUnavailable)
            {
                return (null, default);
            }

            if (lease.IsAcquired)
            {
                // Another instance may have stored the value between our L2 miss and now.
                L2Read<T> again;
                try
                {
                    again = await ReadL2Async<T>(key, settings, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // Cancelled (every caller of the run left, e.g. aborted requests) between taking the lock and
                    // handing it to the run: release it here, or it stays held (and renewed) with nobody computing,
                    // and every instance that misses the key waits for it until LockWaitTimeout.
                    _ = ReleaseLockAsync(lease);
                    throw;
                }

                if (again.Item is not null && again.IsFresh)
                {
                    await ReleaseLockAsync(lease).ConfigureAwait(false);
                    return (null, again);
                }

                return (lease, default);
            }

            if (lease.Holder is { } current && !string.Equals(current, holder, StringComparison.Ordinal))
            {
                if (holder is not null)
                {
                    deadline = _clock.NowMs() + waitMs;
                }

                holder = current;
            }

            // Sleep until the holder's lock expires, or our wait ends. When it expires just after our wait ends (by up
            // to TakeoverGraceMs), wait for that and try to take it over rather than give up a few milliseconds before
            // it: a wait that starts right after a dead holder took its lock, with WaitTimeout == LockExpiry, ends
            // within a clock tick of the lock, on every node at once, and a timer may wake a waiter a tick early.
            var remaining = deadline - _clock.NowMs();
            var untilExpiryMs = Math.Max(1, (long)lease.RetryAfter.TotalMilliseconds) + 5;
            var awaitExpiry = untilExpiryMs <= remaining + TakeoverGraceMs;
            if (remaining <= 0 && !awaitExpiry)
            {
                _metrics.LockWaitTimedOut();
                Log.LockWaitTimedOut(_logger, distributedLock.WaitTimeout, LogKey(key));
                return (null, default);
            }

            _metrics.LockWait();
            var sleepMs = awaitExpiry ? untilExpiryMs : remaining;
            try
            {
                await lease.Released.WaitAsync(TimeSpan.FromMilliseconds(sleepMs), _clock.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The holder neither released nor let its lock expire yet (or it died): try again.
            }

            var read = await ReadL2Async<T>(key, settings, cancellationToken).ConfigureAwait(false);
            if (read.Item is not null && read.IsFresh)
            {
                return (null, read);
            }
        }
    }

    /// <summary>Releases the lock; never throws (a failed release leaves the lock to expire on its own).</summary>
    private async Task ReleaseLockAsync(HybridCacheLockLease lease)
    {
        try
        {
            await _lock!.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The lock expires on its own; waiters fall back to its expiry.
            Log.LockReleaseFailed(_logger, ex, LogKey(lease.Key));
        }
    }
}
