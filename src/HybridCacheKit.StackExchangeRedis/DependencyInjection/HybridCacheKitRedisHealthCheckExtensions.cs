using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a health check for HybridCacheKit's Redis connection and backplane.</summary>
public static class HybridCacheKitRedisHealthCheckExtensions
{
    /// <summary>
    /// Checks Redis and the backplane: <b>Healthy</b> when Redis answers PING and the backplane (if enabled) is connected;
    /// <b>Degraded</b> when PING works but the circuit breaker is open, the backplane is disconnected, or a known Redis
    /// endpoint is down; <paramref name="failureStatus"/> (Unhealthy by default) when PING fails or times out. The
    /// result's data holds <c>latency_ms</c>, <c>backplane</c>, <c>circuit</c>, <c>endpoints_connected</c> and
    /// <c>endpoints_total</c>; descriptions never contain the configuration or its password.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when Redis does not answer; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags for filtering checks (for example readiness and liveness endpoints).</param>
    /// <param name="timeout">How long the check waits for Redis (connection and PING); <see langword="null"/> for 2 seconds.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Needs HybridCacheKit's Redis services: <c>AddStackExchangeRedis</c> or <c>AddHybridCacheKitRedisCache</c>.</remarks>
    public static IHealthChecksBuilder AddHybridCacheKitRedis(
        this IHealthChecksBuilder builder,
        string name = "hybridcachekit-redis",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (timeout is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero, nameof(timeout));
        }

        var pingTimeout = timeout ?? RedisHealthCheck.DefaultTimeout;
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new RedisHealthCheck(
                sp.GetService<RedisConnection>() ?? throw new InvalidOperationException(
                    "The HybridCacheKit Redis health check needs HybridCacheKit's Redis services: call AddStackExchangeRedis(...) on the HybridCacheKit builder or services.AddHybridCacheKitRedisCache(...)."),
                sp.GetService<IHybridCacheBackplane>(),
                pingTimeout),
            failureStatus,
            tags,
            // The check bounds itself by pingTimeout and then reports why; a registration timeout racing it would
            // replace that with a generic "timeout occurred" message.
            timeout: null));
    }
}
