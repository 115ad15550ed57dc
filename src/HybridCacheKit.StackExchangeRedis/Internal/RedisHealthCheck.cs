using System.Globalization;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Reports whether Redis serves HybridCacheKit. Unhealthy (or the registration's failure status): Redis did not answer
/// PING in time. Degraded: PING works but the cache is not getting full service: the circuit breaker is open (cache
/// calls are skipped), the backplane is disconnected (other nodes' changes are not heard), or some known endpoint
/// (a cluster node, a replica) is disconnected. Healthy otherwise. The PING bypasses the circuit breaker, so the
/// check sees a recovered Redis before the breaker's next probe, and it never counts towards opening it.
/// Descriptions and data carry no configuration, password, key or exception text.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection connection, IHybridCacheBackplane? backplane, TimeSpan timeout) : IHealthCheck
{
    /// <summary>How long PING may take when the registration sets no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        // "idle": nothing has subscribed the backplane yet (no cache engine was built, e.g. an app that so far uses only
        // sessions or IDistributedCache), so there is nothing it could be missing.
        var backplaneState = backplane switch
        {
            null => "disabled",
            RedisBackplane { IsStarted: false } => "idle",
            _ => backplane.IsConnected ? "connected" : "disconnected",
        };
        var circuitOpen = connection.IsCircuitOpen;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["backplane"] = backplaneState,
            ["circuit"] = circuitOpen ? "open" : "closed",
        };

        var time = connection.TimeProvider;
        var started = time.GetTimestamp();
        IConnectionMultiplexer multiplexer;
        TimeSpan latency;
        try
        {
            multiplexer = await connection.EnsureConnecting().WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            var left = timeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }

            var ping = multiplexer.GetDatabase().PingAsync().WaitAsync(left, time, cancellationToken);
            if (!ping.IsCompleted)
            {
                // As in RedisConnection: do not continue (and run the caller's code) on StackExchange.Redis's ordered
                // completion worker, where a synchronous Redis call would wait for a reply queued behind itself.
                await ((Task)ping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await Task.Yield();
            }

            latency = await ping.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only the exception's type: its message can quote the configuration (a parser error names the setting it
            // stopped at, which can be part of a password).
            var cause = ex switch
            {
                TimeoutException => $"did not answer PING within {Format(timeout)}",
                _ when RedisConnection.IsOutage(ex) || ex is RedisException => $"could not be reached ({ex.GetType().Name})",
                _ => $"could not be used ({ex.GetType().Name})",
            };
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis {cause}; backplane {backplaneState}.", data: data);
        }

        data["latency_ms"] = Math.Round(latency.TotalMilliseconds, 3);
        var endpoints = multiplexer.GetEndPoints();
        var connected = endpoints.Count(endpoint => multiplexer.GetServer(endpoint).IsConnected);
        data["endpoints_connected"] = connected;
        data["endpoints_total"] = endpoints.Length;

        var problems = new List<string>(3);
        if (circuitOpen)
        {
            problems.Add("the circuit breaker is open, so cache calls skip Redis until it closes");
        }

        if (backplaneState == "disconnected")
        {
            problems.Add("the backplane is disconnected, so changes made on other nodes are not heard");
        }

        if (connected < endpoints.Length)
        {
            problems.Add($"{(endpoints.Length - connected).ToString(CultureInfo.InvariantCulture)} of {endpoints.Length.ToString(CultureInfo.InvariantCulture)} Redis endpoints are disconnected");
        }

        var answered = $"Redis answered PING in {Format(latency)}";
        return problems.Count == 0
            ? HealthCheckResult.Healthy($"{answered}; backplane {backplaneState}.", data)
            : HealthCheckResult.Degraded($"{answered}, but {string.Join("; ", problems)}.", data: data);
    }

    private static string Format(TimeSpan value) => value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
}
