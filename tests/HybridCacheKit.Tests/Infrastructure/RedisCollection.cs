using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Tests.Infrastructure;

/// <summary>One shared Redis server for every test class marked [Collection(RedisServerFixture.CollectionName)].</summary>
[CollectionDefinition(RedisServerFixture.CollectionName)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>;
