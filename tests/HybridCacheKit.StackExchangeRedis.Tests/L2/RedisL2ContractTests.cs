using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.L2;

/// <summary>The engine's L2 contract over the Redis distributed cache, against the shared standalone server.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisL2ContractTests(RedisServerFixture redis) : RedisL2ContractTestsBase(redis.ConfigurationString, "hck-l2");
