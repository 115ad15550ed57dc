using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// An OperationTimeout that is not shorter than the engine's DistributedCacheTimeout leaves the circuit breaker unable
/// to open (the engine cancels first, and a cancellation is not a Redis failure). The package says so once, at start.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class EngineTimeoutCheckTests(RedisServerFixture redis)
{
    private const int BreakerCannotOpen = 2003;

    [Theory]
    [InlineData(1000, 500, true)]
    [InlineData(500, 500, true)]
    [InlineData(250, 500, false)]
    [InlineData(1000, 2000, false)]
    public void AddStackExchangeRedis_OperationTimeoutAgainstTheEngineTimeout_WarnsOnlyWhenNotShorter(int operationMs, int engineMs, bool warns)
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        services.AddHybridCacheKit(o => o.DistributedCacheTimeout = TimeSpan.FromMilliseconds(engineMs)).AddStackExchangeRedis(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.OperationTimeout = TimeSpan.FromMilliseconds(operationMs);
        });
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<HybridCache>();
        _ = provider.GetRequiredService<RedisConnection>();

        var warnings = logs.WithEventId(BreakerCannotOpen);
        Assert.Equal(warns ? 1 : 0, warnings.Count);
        if (warns)
        {
            Assert.Contains("circuit breaker never opens", warnings[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AddHybridCacheKitRedisCache_WithoutTheEngine_DoesNotWarn()
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        services.AddHybridCacheKitRedisCache(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IDistributedCache>();

        Assert.Empty(logs.WithEventId(BreakerCannotOpen));
    }
}
