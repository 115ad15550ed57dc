using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Interop.Tests;

/// <summary>One real redis-server shared by the interop tests (started by the fixture, stopped after).</summary>
[CollectionDefinition(RedisServerFixture.CollectionName)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>;
