using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>The standalone registration resolves this cache as both distributed cache interfaces.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisDistributedCacheRegistrationTests(RedisServerFixture redis)
{
    [Fact]
    public async Task AddHybridCacheKitRedisCache_Resolved_RoundTripsUnderInstanceName()
    {
        var instanceName = $"hck-di-{Guid.NewGuid():N}:";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHybridCacheKitRedisCache(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.InstanceName = instanceName;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        await using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<IDistributedCache>();
        await cache.SetAsync("k", [1, 2, 3], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });

        Assert.IsType<RedisDistributedCache>(cache);
        Assert.IsAssignableFrom<IBufferDistributedCache>(cache);
        Assert.Equal([1, 2, 3], await cache.GetAsync("k"));
        using var raw = redis.Server.CreateClient();
        Assert.Equal("hash", raw.Execute("TYPE", instanceName + "k").Text);
    }
}
