using System.Diagnostics;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// The engine awaits the Redis package's calls directly (the package declares it honours cancellation), so the engine's
/// DistributedCacheTimeout reaches Redis only through the token it passes. With the package's own operation timeout far
/// away and the server frozen, that token alone must end the read, and the caller is served by the factory in time.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class EngineDeadlineTests
{
    private static readonly HybridCacheEntryOptions s_l2Only = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_FrozenServerLongOperationTimeout_EngineTimeoutEndsTheRead(bool cancellableCaller)
    {
        await using var server = await RedisServer.StartAsync();
        await using var node = CacheNode.Create(
            server.ConfigurationString,
            redis: o =>
            {
                o.OperationTimeout = TimeSpan.FromMinutes(1);
                o.CircuitBreakerFailureThreshold = 100;
                o.EnableBackplane = false;
                o.EnableDistributedLock = false;
            },
            engine: o => o.DistributedCacheTimeout = TimeSpan.FromMilliseconds(300));
        await node.Cache.SetAsync("k", "stored", cancellationToken: CancellationToken.None);
        Assert.Equal("stored", await node.GetAsync("k", options: s_l2Only));

        using var cts = new CancellationTokenSource();
        server.Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            var value = await node.GetAsync("k", options: s_l2Only, cancellationToken: cancellableCaller ? cts.Token : CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            watch.Stop();

            Assert.Equal(CacheNode.FactoryValue("k"), value);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the read took {watch.Elapsed} against a frozen server; DistributedCacheTimeout is 300 ms");
            Assert.True(node.L2Errors >= 1, "the timed-out read should count as an L2 error");
        }
        finally
        {
            server.Resume();
        }
    }
}
