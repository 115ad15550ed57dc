namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>The fault <see cref="ChaosDistributedCache"/> throws in <see cref="ChaosMode.Throw"/> by default.</summary>
public sealed class ChaosException : Exception
{
    /// <summary>Creates the exception for <paramref name="operation"/>.</summary>
    public ChaosException(DistributedCacheOperations operation)
        : base($"Chaos: injected failure of distributed cache operation {operation}.")
    {
        Operation = operation;
    }

    /// <summary>The operation that failed.</summary>
    public DistributedCacheOperations Operation { get; }
}
