using System.Buffers;
using System.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>Timeouts and cancellation against a frozen server (SIGSTOP) of the test's own, and recovery after SIGCONT.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisDistributedCacheResilienceTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetAsync_FrozenServer_ThrowsUnavailableWithinOperationTimeout()
    {
        using var harness = CacheHarness.Create(_server, configure: o => o.OperationTimeout = TimeSpan.FromMilliseconds(300));
        await harness.Cache.SetAsync("k", [1], new DistributedCacheEntryOptions());
        _server.Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => harness.Cache.GetAsync("k").WaitAsync(TimeSpan.FromSeconds(10)));
            watch.Stop();

            Assert.Contains("get", ex.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < Bound, $"GetAsync took {watch.Elapsed} against a frozen server.");
        }
        finally
        {
            _server.Resume();
        }

        Assert.Equal([1], await harness.Cache.GetAsync("k").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task SyncMethods_FrozenServer_ThrowUnavailableWithinOperationTimeout()
    {
        using var harness = CacheHarness.Create(_server, configure: o =>
        {
            o.OperationTimeout = TimeSpan.FromMilliseconds(300);
            o.CircuitBreakerFailureThreshold = 100;
        });
        harness.Cache.Set("k", [1], new DistributedCacheEntryOptions());
        _server.Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            Assert.Throws<RedisCacheUnavailableException>(() => harness.Cache.Get("k"));
            Assert.Throws<RedisCacheUnavailableException>(() => harness.Cache.Set("k", [2], new DistributedCacheEntryOptions()));
            Assert.Throws<RedisCacheUnavailableException>(() => harness.Cache.Refresh("k"));
            Assert.Throws<RedisCacheUnavailableException>(() => harness.Cache.Remove("other"));
            Assert.Throws<RedisCacheUnavailableException>(() => harness.Cache.TryGet("k", new ArrayBufferWriter<byte>()));
            watch.Stop();

            Assert.True(watch.Elapsed < Bound * 2, $"Five sync calls took {watch.Elapsed} against a frozen server.");
        }
        finally
        {
            _server.Resume();
        }
    }

    [Fact]
    public async Task SyncMethods_ClientPauseAll_ThrowSameExceptionAsAsyncWithinBound()
    {
        using var harness = CacheHarness.Create(_server, configure: o =>
        {
            o.OperationTimeout = TimeSpan.FromMilliseconds(300);
            o.CircuitBreakerFailureThreshold = 100;
        });
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) };
        harness.Cache.Set("k", [1], options);
        var calls = new (string Name, Action Sync, Func<Task> Async)[]
        {
            ("Get", () => harness.Cache.Get("k"), () => harness.Cache.GetAsync("k")),
            ("TryGet", () => harness.Cache.TryGet("k", new ArrayBufferWriter<byte>()), () => harness.Cache.TryGetAsync("k", new ArrayBufferWriter<byte>()).AsTask()),
            ("Refresh", () => harness.Cache.Refresh("k"), () => harness.Cache.RefreshAsync("k")),
            ("Set", () => harness.Cache.Set("k", [2], options), () => harness.Cache.SetAsync("k", [2], options)),
            ("Remove", () => harness.Cache.Remove("other"), () => harness.Cache.RemoveAsync("other")),
        };
        // Long enough for the ten calls (about 300 ms each); it cannot be lifted early (CLIENT UNPAUSE would wait too).
        var pause = TimeSpan.FromSeconds(8);
        var paused = Stopwatch.StartNew();
        Assert.Equal("OK", harness.Raw.Execute("CLIENT", "PAUSE", ((long)pause.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL").Text);
        try
        {
            foreach (var (name, sync, async) in calls)
            {
                var watch = Stopwatch.StartNew();
                var syncError = Record.Exception(sync);
                var syncElapsed = watch.Elapsed;
                var asyncError = await Record.ExceptionAsync(() => async().WaitAsync(TimeSpan.FromSeconds(10)));

                Assert.IsType<RedisCacheUnavailableException>(syncError);
                Assert.IsType<RedisCacheUnavailableException>(asyncError);
                Assert.True(syncElapsed < Bound, $"{name} took {syncElapsed} against a paused server.");
            }

            Assert.True(paused.Elapsed < pause, $"The calls took {paused.Elapsed}, longer than the pause: the later ones may have been answered.");
        }
        finally
        {
            await Task.Delay(pause - paused.Elapsed + TimeSpan.FromMilliseconds(200) is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        }

        Assert.Equal([2], await harness.Cache.GetAsync("k").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task GetAsync_FrozenServerAndTokenCancelled_ThrowsOperationCanceledPromptly()
    {
        using var harness = CacheHarness.Create(_server, configure: o => o.OperationTimeout = TimeSpan.FromMinutes(1));
        await harness.Cache.SetAsync("k", [1], new DistributedCacheEntryOptions());
        _server.Pause();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var watch = Stopwatch.StartNew();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Cache.GetAsync("k", cts.Token).WaitAsync(TimeSpan.FromSeconds(10)));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await harness.Cache.SetAsync("k", new ReadOnlySequence<byte>([2]), new DistributedCacheEntryOptions(), cts.Token));

            Assert.True(watch.Elapsed < Bound, $"Cancellation took {watch.Elapsed} against a frozen server.");
        }
        finally
        {
            _server.Resume();
        }

        Assert.Equal([1], await harness.Cache.GetAsync("k").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AllAsyncMethods_FrozenServerAndTokenCancelled_EachEndsPromptlyAsDeclaredToTheEngine()
    {
        // The cache tells the engine it honours cancellation (IHybridCacheDistributedCacheCancellation), so the engine
        // bounds its calls by their token alone: every asynchronous method must end soon after its token is cancelled,
        // with the operation timeout far away and the server answering nothing.
        using var harness = CacheHarness.Create(_server, configure: o =>
        {
            o.OperationTimeout = TimeSpan.FromMinutes(1);
            o.CircuitBreakerFailureThreshold = 100;
        });
        Assert.True(((IHybridCacheDistributedCacheCancellation)harness.Cache).HonorsCancellation);
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) };
        await harness.Cache.SetAsync("k", [1], options);
        var calls = new (string Name, Func<CancellationToken, Task> Call)[]
        {
            ("GetAsync", t => harness.Cache.GetAsync("k", t)),
            ("TryGetAsync", t => harness.Cache.TryGetAsync("k", new ArrayBufferWriter<byte>(), t).AsTask()),
            ("SetAsync(byte[])", t => harness.Cache.SetAsync("k", [2], options, t)),
            ("SetAsync(ReadOnlySequence)", t => harness.Cache.SetAsync("k", new ReadOnlySequence<byte>([3]), options, t).AsTask()),
            ("RefreshAsync", t => harness.Cache.RefreshAsync("k", t)),
            ("RemoveAsync", t => harness.Cache.RemoveAsync("k", t)),
        };
        _server.Pause();
        try
        {
            foreach (var (name, call) in calls)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                var watch = Stopwatch.StartNew();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call(cts.Token).WaitAsync(TimeSpan.FromSeconds(10)));
                Assert.True(watch.Elapsed < Bound, $"{name} took {watch.Elapsed} to end after its token was cancelled against a frozen server.");
            }
        }
        finally
        {
            _server.Resume();
        }

        // Abandoned commands stay queued and reach the server once it continues (the remove among them); the cache works on.
        await harness.Cache.SetAsync("after", [4], new DistributedCacheEntryOptions()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([4], await harness.Cache.GetAsync("after").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AllMethods_TokenAlreadyCancelled_ThrowWithoutSendingCommands()
    {
        using var harness = CacheHarness.Create(_server);
        ServerStats.Reset(harness.Raw);
        var cancelled = new CancellationToken(canceled: true);
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Cache.GetAsync("k", cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await harness.Cache.TryGetAsync("k", new ArrayBufferWriter<byte>(), cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Cache.SetAsync("k", [1], options, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await harness.Cache.SetAsync("k", new ReadOnlySequence<byte>([1]), options, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Cache.RefreshAsync("k", cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Cache.RemoveAsync("k", cancelled));

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.Equal(["config|resetstat"], stats.Keys);
        Assert.Equal(0, harness.Raw.Execute("EXISTS", harness.RedisKey("k")).Integer);
    }
}
