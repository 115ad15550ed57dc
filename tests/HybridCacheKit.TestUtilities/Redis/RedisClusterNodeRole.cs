namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>The role of a Redis Cluster node, as its peers see it.</summary>
public enum RedisClusterNodeRole
{
    /// <summary>Serves a range of hash slots (reads and writes).</summary>
    Master,

    /// <summary>Copies a master asynchronously and can be promoted when the master fails.</summary>
    Replica,

    /// <summary>Marked failed by the cluster (for example after it was killed), or not seen yet.</summary>
    Failed,
}
