using HybridCacheKit.StackExchangeRedis.Tests.Backplane;
using HybridCacheKit.StackExchangeRedis.Tests.Stampede;
using HybridCacheKit.StackExchangeRedis.Tests.Tags;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

// The cross-node suites written for the standalone server, rerun unchanged on the 3-master cluster.

/// <summary>Backplane invalidation across nodes, on the cluster.</summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class ClusterCrossNodeInvalidationTests(RedisClusterFixture cluster) : CrossNodeInvalidationSuite
{
    protected override string Configuration => cluster.ConfigurationString;

    protected override RedisServer RawServer => cluster.Cluster.Nodes[0].Server;
}

/// <summary>Cross-node stampede protection (4 nodes × 50 callers and the lock's failure modes), on the cluster.</summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class ClusterCrossNodeStampedeTests(RedisClusterFixture cluster) : CrossNodeStampedeSuite
{
    protected override string Configuration => cluster.ConfigurationString;
}

/// <summary>Tags across nodes, on the cluster.</summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class ClusterCrossNodeTagTests(RedisClusterFixture cluster) : CrossNodeTagSuite
{
    protected override string Configuration => cluster.ConfigurationString;
}
