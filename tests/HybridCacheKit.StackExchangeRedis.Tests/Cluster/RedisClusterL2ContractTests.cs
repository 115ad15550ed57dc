using HybridCacheKit.StackExchangeRedis.Tests.L2;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// The engine's L2 contract over the Redis distributed cache on a 3-master Redis Cluster. Every test's keys (a fresh
/// GUID each, under a fresh instance name) spread over all three masters; tag records are separate keys in their own slots.
/// </summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class RedisClusterL2ContractTests(RedisClusterFixture cluster) : RedisL2ContractTestsBase(cluster.ConfigurationString, "hck-cluster-l2");
