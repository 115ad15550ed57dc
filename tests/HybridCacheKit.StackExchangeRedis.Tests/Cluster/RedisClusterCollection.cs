using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>One real 3-master Redis Cluster shared by the tests of this collection (started by the fixture, stopped after).</summary>
[CollectionDefinition(RedisClusterFixture.CollectionName)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>;
