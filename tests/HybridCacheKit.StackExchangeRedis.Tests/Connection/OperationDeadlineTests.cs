using System.Diagnostics;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Redis;
using HybridCacheKit.TestUtilities.Time;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// The operation timeout on shared deadline slots (RedisConnection.Deadlines.cs): against a frozen server (SIGSTOP) of
/// the test's own, every call gives up, never before OperationTimeout, on the injected clock, and a frozen server
/// with many calls in flight fails them all.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class OperationDeadlineTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ExecuteAsync_FrozenServer_GivesUpNoEarlierThanOperationTimeout()
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = _server.ConfigurationString, OperationTimeout = timeout });
        await WarmUpAsync(connection);
        _server.Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), CancellationToken.None).WaitAsync(Bound));
            watch.Stop();

            Assert.IsType<TimeoutException>(ex.InnerException);
            Assert.True(watch.Elapsed >= timeout, $"gave up after {watch.Elapsed.TotalMilliseconds} ms, before the {timeout.TotalMilliseconds} ms timeout");
        }
        finally
        {
            _server.Resume();
        }

        Assert.Equal(RedisValue.Null, await connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), CancellationToken.None).WaitAsync(Bound));
    }

    [Fact]
    public async Task ExecuteAsync_ManyCallsInFlightWhenServerFreezes_AllGiveUp()
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = _server.ConfigurationString,
            OperationTimeout = timeout,
            CircuitBreakerFailureThreshold = 1_000,
        });
        await WarmUpAsync(connection);
        _server.Pause();
        try
        {
            // Spread over more than one deadline slot (a slot is timeout / 16 long).
            var calls = new List<Task<RedisValue>>();
            for (var i = 0; i < 200; i++)
            {
                calls.Add(connection.ExecuteAsync("get", "k" + i, static (db, k) => db.StringGetAsync(k), CancellationToken.None));
                if (i % 50 == 49)
                {
                    await Task.Delay(30);
                }
            }

            foreach (var call in calls)
            {
                var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => call.WaitAsync(Bound));
                Assert.IsType<TimeoutException>(ex.InnerException);
            }
        }
        finally
        {
            _server.Resume();
        }
    }

    [Fact]
    public async Task ExecuteAsync_FakeClock_TimesOutOnlyWhenTheInjectedClockPassesTheTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timeout = TimeSpan.FromMilliseconds(200);
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = _server.ConfigurationString, OperationTimeout = timeout }, time);
        await WarmUpAsync(connection);
        _server.Pause();
        try
        {
            var call = connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), CancellationToken.None);

            // Three times the timeout in real time: the fake clock has not moved, so the call is still waiting.
            await Task.Delay(timeout * 3);
            Assert.False(call.IsCompleted);

            time.Advance(timeout + timeout);
            var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => call.WaitAsync(Bound));
            Assert.IsType<TimeoutException>(ex.InnerException);
        }
        finally
        {
            _server.Resume();
        }
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancelsWhileServerFrozen_ThrowsOperationCanceledAndBreakerUntouched()
    {
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = _server.ConfigurationString,
            OperationTimeout = TimeSpan.FromMinutes(1),
            CircuitBreakerFailureThreshold = 1,
        });
        await WarmUpAsync(connection);
        _server.Pause();
        try
        {
            using var cancel = new CancellationTokenSource();
            var call = connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), cancel.Token);
            await cancel.CancelAsync();

            var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Bound));
            Assert.Equal(cancel.Token, ex.CancellationToken);
            Assert.False(connection.IsCircuitOpen);
        }
        finally
        {
            _server.Resume();
        }
    }

    /// <summary>
    /// The first call also connects, which on a loaded machine can take longer than these tests' short timeouts; retry
    /// until a call has gone through, so the tests start from a connected client.
    /// </summary>
    private static async Task WarmUpAsync(RedisConnection connection)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            try
            {
                _ = await connection.ExecuteAsync("ping", 0, static (db, _) => db.PingAsync(), CancellationToken.None).WaitAsync(Bound);
                return;
            }
            catch (RedisCacheUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
