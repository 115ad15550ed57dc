namespace HybridCacheKit.Distributed;

/// <summary>
/// Cross-instance stampede protection: when several instances miss one key at once, one computes it and the others
/// wait for its release and read the result from L2. The engine uses the one registered in the container.
/// </summary>
public interface IHybridCacheDistributedLock
{
    /// <summary>The longest a caller waits for another instance before running its own factory.</summary>
    TimeSpan WaitTimeout { get; }

    /// <summary>Tries to take the lock of <paramref name="key"/>. Never throws for transport failures: returns <see cref="HybridCacheLockLease.Unavailable"/>.</summary>
    /// <param name="key">The cache key.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>An acquired lease, a lease held by another instance (with a task that completes when it is released), or unavailable.</returns>
    ValueTask<HybridCacheLockLease> TryAcquireAsync(string key, CancellationToken cancellationToken);

    /// <summary>Releases an acquired lease (only if this owner still holds it) and wakes the waiters of other instances.</summary>
    /// <param name="lease">The lease from <see cref="TryAcquireAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>A task that completes when the release was attempted.</returns>
    ValueTask ReleaseAsync(HybridCacheLockLease lease, CancellationToken cancellationToken);
}
