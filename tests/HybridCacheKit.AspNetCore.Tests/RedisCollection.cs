using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.AspNetCore.Tests;

[CollectionDefinition(RedisServerFixture.CollectionName)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>;
