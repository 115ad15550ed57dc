using Microsoft.Extensions.Hosting;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Starts connecting to Redis when the host starts, so the first requests find the connection made instead of spending
/// their L2 time budget on the handshake (the first call otherwise waits for it, and past the engine's
/// DistributedCacheTimeout it is served from L1 and the factory only). Start-up never waits for Redis and never fails
/// because of it: this only kicks the connection off. Without a host (a plain service provider), connecting stays lazy.
/// </summary>
internal sealed class RedisConnectionWarmup(RedisConnection connection) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A configuration that cannot be parsed faults the task; the first cache call reports it (and retries).
        _ = connection.EnsureConnecting().ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
