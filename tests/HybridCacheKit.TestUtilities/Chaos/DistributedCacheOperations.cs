namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>The operations of <c>IDistributedCache</c>, as flags for selecting which ones chaos affects.</summary>
[Flags]
public enum DistributedCacheOperations
{
    /// <summary>No operation.</summary>
    None = 0,

    /// <summary><c>Get</c>, <c>GetAsync</c>, <c>TryGet</c>, <c>TryGetAsync</c>.</summary>
    Get = 1,

    /// <summary><c>Set</c> and <c>SetAsync</c> (byte array or sequence).</summary>
    Set = 2,

    /// <summary><c>Remove</c> and <c>RemoveAsync</c>.</summary>
    Remove = 4,

    /// <summary><c>Refresh</c> and <c>RefreshAsync</c>.</summary>
    Refresh = 8,

    /// <summary>Every operation.</summary>
    All = Get | Set | Remove | Refresh,
}
