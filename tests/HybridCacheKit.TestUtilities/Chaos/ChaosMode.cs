namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>What <see cref="ChaosDistributedCache"/> does to the operations it affects.</summary>
public enum ChaosMode
{
    /// <summary>Calls go straight to the inner cache.</summary>
    PassThrough,

    /// <summary>Calls throw (by default a <see cref="ChaosException"/>) without reaching the inner cache.</summary>
    Throw,

    /// <summary>Calls wait for <see cref="ChaosDistributedCache.Delay"/>, then go to the inner cache.</summary>
    Delay,
}
