using System.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// With a host, the package starts connecting when the host starts, so the first request does not spend its L2 time on
/// the handshake; start-up itself never waits for Redis, and an unreachable Redis does not stop it.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class ConnectOnHostStartTests(RedisServerFixture redis)
{
    [Fact]
    public async Task StartAsync_RedisUp_ConnectsBeforeAnyCacheCall()
    {
        using var host = BuildHost(redis.ConfigurationString);
        var connection = host.Services.GetRequiredService<RedisConnection>();
        Assert.Null(connection.Multiplexer);

        await host.StartAsync();

        var waited = Stopwatch.StartNew();
        while (connection.Multiplexer is not { IsConnected: true })
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the host started but the package did not connect to Redis");
            await Task.Delay(20);
        }

        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_RedisUnreachable_StartsAtOnceAndTheCacheStillServes()
    {
        using var host = BuildHost($"127.0.0.1:{TestPorts.GetFreeTcpPort()},connectTimeout=200");

        var started = Stopwatch.StartNew();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(5));
        var startup = started.Elapsed;

        var cache = host.Services.GetRequiredService<HybridCache>();
        Assert.Equal("from-factory", await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("from-factory")));
        Assert.True(startup < TimeSpan.FromSeconds(2), $"host start-up took {startup} with Redis unreachable");
        await host.StopAsync();
    }

    [Fact]
    public void AddHybridCacheKitRedisCache_RegistersTheWarmupOnce()
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit().AddStackExchangeRedis(redis.ConfigurationString);
        services.AddHybridCacheKitRedisCache(o => o.Configuration = redis.ConfigurationString);

        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(RedisConnectionWarmup));
    }

    private static IHost BuildHost(string configuration)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHybridCacheKit().AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.OperationTimeout = TimeSpan.FromMilliseconds(300);
        });
        return builder.Build();
    }
}
