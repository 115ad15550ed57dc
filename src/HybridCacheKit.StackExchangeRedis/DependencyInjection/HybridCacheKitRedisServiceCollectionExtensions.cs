using HybridCacheKit;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.StackExchangeRedis.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers HybridCacheKit's Redis services.</summary>
public static class HybridCacheKitRedisServiceCollectionExtensions
{
    /// <summary>Makes Redis the L2 of HybridCacheKit, with the backplane and the distributed lock.</summary>
    /// <param name="builder">The builder from <c>AddHybridCacheKit</c>.</param>
    /// <param name="configuration">A StackExchange.Redis configuration string, such as <c>localhost:6379</c>.</param>
    /// <returns>The builder.</returns>
    public static IHybridCacheKitBuilder AddStackExchangeRedis(this IHybridCacheKitBuilder builder, string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return builder.AddStackExchangeRedis(options => options.Configuration = configuration);
    }

    /// <summary>Makes Redis the L2 of HybridCacheKit, with the backplane and the distributed lock (each can be turned off in the options).</summary>
    /// <param name="builder">The builder from <c>AddHybridCacheKit</c>.</param>
    /// <param name="configure">Connection, key prefix, timeouts, backplane and lock settings.</param>
    /// <returns>The builder.</returns>
    public static IHybridCacheKitBuilder AddStackExchangeRedis(this IHybridCacheKitBuilder builder, Action<HybridCacheKitRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddHybridCacheKitRedisCache(configure);
        services.TryAddSingleton<EngineTimeoutCheck>();
        services.TryAddSingleton<RedisBackplane>();
        services.TryAddSingleton<RedisDistributedLock>();
        services.TryAddSingleton<IHybridCacheBackplane>(static sp =>
            sp.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value.EnableBackplane ? sp.GetRequiredService<RedisBackplane>() : null!);
        services.TryAddSingleton<IHybridCacheDistributedLock>(static sp =>
            sp.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value.EnableDistributedLock ? sp.GetRequiredService<RedisDistributedLock>() : null!);
        return builder;
    }

    /// <summary>
    /// Registers only the Redis <see cref="IDistributedCache"/> (also <see cref="IBufferDistributedCache"/>), for apps
    /// that want a Redis distributed cache without the rest. It reads and writes the same layout as Microsoft's
    /// <c>RedisCache</c>. Replaces any <see cref="IDistributedCache"/> registered before. With a host, connecting starts
    /// when the host starts (start-up never waits for Redis); otherwise on first use.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Connection, key prefix and timeouts.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddHybridCacheKitRedisCache(this IServiceCollection services, Action<HybridCacheKitRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<HybridCacheKitRedisOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HybridCacheKitRedisOptions>, HybridCacheKitRedisOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value;
            var loggerFactory = sp.GetService<ILoggerFactory>();
            if (sp.GetService<EngineTimeoutCheck>() is not null)
            {
                EngineTimeoutCheck.Run(options, sp.GetRequiredService<IOptions<HybridCacheKitOptions>>().Value, loggerFactory);
            }

            return new RedisConnection(options, sp.GetService<TimeProvider>(), loggerFactory);
        });
        services.TryAddSingleton<RedisDistributedCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisConnectionWarmup>());
        services.RemoveAll<IDistributedCache>();
        services.AddSingleton<IDistributedCache>(static sp => sp.GetRequiredService<RedisDistributedCache>());
        return services;
    }
}
