namespace HybridCacheKit.Distributed;

/// <summary>The outcome of <see cref="IHybridCacheDistributedLock.TryAcquireAsync"/>.</summary>
public sealed class HybridCacheLockLease
{
    private HybridCacheLockLease(string key, string? ownerToken, bool isAcquired, bool isUnavailable, TimeSpan retryAfter, Task released, string? holder = null)
    {
        Key = key;
        OwnerToken = ownerToken;
        Holder = holder;
        IsAcquired = isAcquired;
        IsUnavailable = isUnavailable;
        RetryAfter = retryAfter;
        Released = released;
    }

    /// <summary>A lease for when the lock service cannot be reached: the caller runs its own factory.</summary>
    public static HybridCacheLockLease Unavailable { get; } = new(string.Empty, null, false, true, TimeSpan.Zero, Task.CompletedTask);

    /// <summary>The cache key.</summary>
    public string Key { get; }

    /// <summary>The owner token of an acquired lease; only its owner can release it.</summary>
    public string? OwnerToken { get; }

    /// <summary>
    /// For a lock held elsewhere: who holds it (the holder's owner token), when the lock service can tell; otherwise
    /// <see langword="null"/>. The engine's wait (<see cref="IHybridCacheDistributedLock.WaitTimeout"/>) is per holder:
    /// when a dead holder's lock expires and another instance takes it over, waiters wait for the new holder afresh
    /// instead of all giving up and running their own factories.
    /// </summary>
    public string? Holder { get; }

    /// <summary>Whether this caller holds the lock.</summary>
    public bool IsAcquired { get; }

    /// <summary>Whether the lock service could not be reached.</summary>
    public bool IsUnavailable { get; }

    /// <summary>For a lock held elsewhere: how long until it expires on its own (its owner may have died).</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>For a lock held elsewhere: completes when its owner announces the release.</summary>
    public Task Released { get; }

    /// <summary>Creates an acquired lease.</summary>
    /// <param name="key">The cache key.</param>
    /// <param name="ownerToken">The token identifying this owner.</param>
    /// <returns>The lease.</returns>
    public static HybridCacheLockLease Acquired(string key, string ownerToken) => new(key, ownerToken, true, false, TimeSpan.Zero, Task.CompletedTask);

    /// <summary>Creates a lease for a lock held by another owner.</summary>
    /// <param name="key">The cache key.</param>
    /// <param name="retryAfter">How long until the lock expires on its own.</param>
    /// <param name="released">Completes when the holder announces the release.</param>
    /// <returns>The lease.</returns>
    public static HybridCacheLockLease HeldElsewhere(string key, TimeSpan retryAfter, Task released) => new(key, null, false, false, retryAfter, released);

    /// <summary>Creates a lease for a lock held by another owner, saying which.</summary>
    /// <param name="key">The cache key.</param>
    /// <param name="retryAfter">How long until the lock expires on its own.</param>
    /// <param name="released">Completes when the holder announces the release.</param>
    /// <param name="holder">The holder's owner token, or <see langword="null"/> when it cannot be told.</param>
    /// <returns>The lease.</returns>
    public static HybridCacheLockLease HeldElsewhere(string key, TimeSpan retryAfter, Task released, string? holder) => new(key, null, false, false, retryAfter, released, holder);
}
