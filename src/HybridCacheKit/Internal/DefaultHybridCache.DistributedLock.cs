using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;

namespace HybridCacheKit.Internal;

// Cross-instance stampede protection through the registered IHybridCacheDistributedLock (the Redis package's).
// After an L2 miss a run tries the lock: the winner computes and stores, then releases, which wakes the others;
// they re-read L2. A holder that died is taken over when its lock expires; a wait longer than WaitTimeout, or a lock
// service that cannot be reached, falls back to computing locally.
internal sealed partial class DefaultHybridCache
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(HybridCacheLockLease? Lease, L2Read<T> FromPeer)> AcquireOrWaitAsync<T>(string key, EntrySettings settings, CancellationToken cancellationToken)
    {
        var distributedLock = _lock!;
        var deadline = _clock.NowMs() + (long)distributedLock.WaitTimeout.TotalMilliseconds;
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
                var again = await ReadL2Async<T>(key, settings, cancellationToken).ConfigureAwait(false);
                if (again.Item is not null && again.IsFresh)
                {
                    await ReleaseLockAsync(lease).ConfigureAwait(false);
                    return (null, again);
                }

                return (lease, default);
            }

            var remaining = deadline - _clock.NowMs();
            if (remaining <= 0)
            {
                _metrics.LockWaitTimedOut();
                Log.LockWaitTimedOut(_logger, distributedLock.WaitTimeout, LogKey(key));
                return (null, default);
            }

            _metrics.LockWait();
            var waitMs = Math.Min(remaining, Math.Max(1, (long)lease.RetryAfter.TotalMilliseconds) + 5);
            try
            {
                await lease.Released.WaitAsync(TimeSpan.FromMilliseconds(waitMs), _clock.TimeProvider, cancellationToken).ConfigureAwait(false);
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
