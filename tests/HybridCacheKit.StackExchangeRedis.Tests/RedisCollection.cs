using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests;

/// <summary>One real redis-server shared by the tests of this collection (started by the fixture, stopped after).</summary>
[CollectionDefinition(RedisServerFixture.CollectionName)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>;
