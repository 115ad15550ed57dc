using System.Buffers;
using System.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// The durable view (<see cref="IHybridCacheDistributedCacheDurableView"/>) against a redis-server of the test's own,
/// paused with CLIENT PAUSE or frozen with SIGSTOP: the cache keeps a 250 ms operation timeout, the view waits its own.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisDistributedCacheDurableViewTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly DistributedCacheEntryOptions Sliding = new() { SlidingExpiration = TimeSpan.FromMinutes(20) };
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task DurableView_SameEntriesAsTheCache()
    {
        using var harness = Create();
        var view = harness.Cache.CreateDurableView(TimeSpan.FromSeconds(5));

        await view.SetAsync("k", [1, 2], Sliding);
        await harness.Cache.SetAsync("other", [3], Sliding);

        Assert.Equal([1, 2], await harness.Cache.GetAsync("k"));
        Assert.Equal([3], await view.GetAsync("other"));
        Assert.Equal([1, 2], (byte[])harness.HashGetAll("k")[RedisDistributedCache.DataField]);
        await view.RemoveAsync("k");
        Assert.Null(await harness.Cache.GetAsync("k"));
    }

    [Fact]
    public async Task DurableView_ReplySlowerThanOperationTimeout_Succeeds()
    {
        using var harness = Create();
        var view = harness.Cache.CreateDurableView(TimeSpan.FromSeconds(5));
        await view.SetAsync("k", [1], Sliding);

        PauseClients(harness, 1000, "WRITE");
        await view.SetAsync("k", [2], Sliding).WaitAsync(Bound);

        Assert.Equal([2], await view.GetAsync("k").WaitAsync(Bound));
        Assert.False(harness.Connection.IsCircuitOpen);
    }

    [Fact]
    public async Task DurableView_CircuitOpen_CallsGoThroughAndLeaveItOpen()
    {
        using var harness = Create(o =>
        {
            o.CircuitBreakerFailureThreshold = 1;
            o.CircuitBreakDuration = TimeSpan.FromMinutes(5);
        });
        var view = harness.Cache.CreateDurableView(TimeSpan.FromSeconds(5));
        PauseClients(harness, 1000, "ALL");
        await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => harness.Cache.GetAsync("k").WaitAsync(Bound));
        Assert.True(harness.Connection.IsCircuitOpen);

        await view.SetAsync("k", [1], Sliding).WaitAsync(Bound);
        Assert.Equal([1], await view.GetAsync("k").WaitAsync(Bound));
        await view.RefreshAsync("k").WaitAsync(Bound);

        Assert.True(((IHybridCacheDistributedCacheAvailability)view).IsAvailable);
        Assert.True(harness.Connection.IsCircuitOpen);
        Assert.False(harness.Cache.IsAvailable);
        var refused = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => harness.Cache.GetAsync("k"));
        Assert.Contains("circuit breaker is open", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DurableView_FrozenServer_FailsAtItsOwnTimeoutWithoutOpeningCircuit()
    {
        using var harness = Create(o => o.CircuitBreakerFailureThreshold = 1);
        var view = harness.Cache.CreateDurableView(TimeSpan.FromSeconds(1));
        await view.SetAsync("k", [1], Sliding);

        _server.Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => view.GetAsync("k").WaitAsync(Bound * 3));
            watch.Stop();

            Assert.Contains("no answer within 00:00:01", ex.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < Bound, $"A durable call against a frozen server took {watch.Elapsed}.");
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"The durable call gave up after {watch.Elapsed}, before its 1 s timeout.");
            Assert.False(harness.Connection.IsCircuitOpen);
        }
        finally
        {
            _server.Resume();
        }

        Assert.Equal([1], await view.GetAsync("k").WaitAsync(Bound));
    }

    [Fact]
    public async Task DurableView_FrozenServerAndTokenCancelled_ThrowsOperationCanceledPromptly()
    {
        using var harness = Create();
        var view = (IBufferDistributedCache)harness.Cache.CreateDurableView(TimeSpan.FromMinutes(1));
        await view.SetAsync("k", [1], Sliding);

        _server.Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => view.GetAsync("k", cts.Token).WaitAsync(Bound * 3));
            }

            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await view.SetAsync("k", new ReadOnlySequence<byte>([2]), Sliding, cts.Token).AsTask().WaitAsync(Bound * 3));
            }

            Assert.True(watch.Elapsed < Bound, $"Cancelling two durable calls against a frozen server took {watch.Elapsed}.");
        }
        finally
        {
            _server.Resume();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(31 * 24 * 3600)]
    public void CreateDurableView_TimeoutOutOfRange_Throws(int seconds)
    {
        using var harness = Create();

        Assert.Throws<ArgumentOutOfRangeException>(() => harness.Cache.CreateDurableView(TimeSpan.FromSeconds(seconds)));
    }

    private CacheHarness Create(Action<HybridCacheKitRedisOptions>? configure = null)
        => CacheHarness.Create(_server, configure: o =>
        {
            o.OperationTimeout = TimeSpan.FromMilliseconds(250);
            configure?.Invoke(o);
        });

    private static void PauseClients(CacheHarness harness, int milliseconds, string mode)
        => Assert.Equal("OK", harness.Raw.Execute("CLIENT", "PAUSE", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), mode).Text);
}
