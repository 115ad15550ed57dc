using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.LoadTest.Tests;

[CollectionDefinition(RedisServerFixture.CollectionName)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>;
