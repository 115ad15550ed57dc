using System.Buffers;
using System.Diagnostics;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.IsolatedTests;

/// <summary>
/// The synchronous methods with every thread-pool thread blocked and the pool kept from growing: the worst case of a
/// burst of requests that read the session without LoadAsync. A reply (StackExchange.Redis 1.x reads it in a thread-pool
/// continuation) and the asynchronous path's timeout timer both need a pool thread, so nothing comes back; each call must
/// still end within its own limit, with the exception the asynchronous path throws, instead of waiting for the pool.
/// Before, they waited for the pool: none of the six calls ended within 18 s.
/// </summary>
/// <remarks>
/// In a test project of its own, so a process of its own: capping the thread pool for a few seconds, and the backlog
/// it leaves, disturbed timing-sensitive tests that ran after it in the Redis test project.
/// </remarks>
public sealed class SyncStarvationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMilliseconds(200);

    // A sync call gives up after at most about three operation timeouts (RedisDistributedCache.Sync.cs): generous.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void SyncMethods_ThreadPoolBlocked_EachEndsWithinBoundWithUnavailable()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHybridCacheKitRedisCache(o =>
        {
            o.Configuration = _server.ConfigurationString;
            o.InstanceName = "starvation:";
            o.OperationTimeout = OperationTimeout;
            o.CircuitBreakerFailureThreshold = 1_000;
        });
        using var provider = services.BuildServiceProvider();
        var cache = (IBufferDistributedCache)provider.GetRequiredService<IDistributedCache>();
        var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) };

        // A fresh process: the first calls connect and compile, which can take longer than the 200 ms timeout.
        var warming = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                cache.Set("k", [1], sliding);
                Assert.Equal([1], cache.Get("k"));
                break;
            }
            catch (RedisCacheUnavailableException) when (warming.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(100);
            }
        }

        var calls = new (string Name, Action Call)[]
        {
            ("Get", () => cache.Get("k")),
            ("TryGet", () => cache.TryGet("k", new ArrayBufferWriter<byte>())),
            ("Refresh", () => cache.Refresh("k")),
            ("Set(byte[])", () => cache.Set("k", [2], sliding)),
            ("Set(ReadOnlySequence)", () => cache.Set("k", new ReadOnlySequence<byte>([3]), sliding)),
            ("Remove", () => cache.Remove("other")),
        };
        var results = new List<(string Name, TimeSpan Elapsed, Exception? Error)>();
        using (ThreadPoolBlock.Start())
        {
            // A thread of its own: the pool has none to give.
            var caller = new Thread(() =>
            {
                foreach (var (name, call) in calls)
                {
                    var watch = Stopwatch.StartNew();
                    Exception? error = null;
                    try
                    {
                        call();
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                    }

                    lock (results)
                    {
                        results.Add((name, watch.Elapsed, error));
                    }
                }
            })
            { IsBackground = true };
            caller.Start();

            var ended = caller.Join(Bound * calls.Length);
            lock (results)
            {
                Assert.True(ended, $"With the thread pool blocked, {results.Count} of {calls.Length} sync calls ended in {Bound * calls.Length}: {Describe(results)}");
            }
        }

        output.WriteLine(Describe(results));
        foreach (var (name, elapsed, error) in results)
        {
            Assert.True(error is RedisCacheUnavailableException, $"{name} ended with {error?.GetType().Name ?? "success"} with the thread pool blocked: {Describe(results)}");
            Assert.True(elapsed < Bound, $"{name} took {elapsed} with the thread pool blocked: {Describe(results)}");
        }

        // The pool is back: once it has caught up with the abandoned calls, the cache works on.
        var recovering = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                cache.Set("after", [4], new DistributedCacheEntryOptions());
                Assert.Equal([4], cache.Get("after"));
                break;
            }
            catch (RedisCacheUnavailableException) when (recovering.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(100);
            }
        }
    }

    private static string Describe(List<(string Name, TimeSpan Elapsed, Exception? Error)> results)
        => string.Join("; ", results.Select(r => $"{r.Name} {r.Elapsed.TotalMilliseconds:F0} ms {r.Error?.GetType().Name ?? "ok"}"));

    /// <summary>
    /// Blocks every thread-pool thread on a gate and caps the pool at its minimum size so it cannot add threads (the
    /// starvation a burst of blocked requests causes, without waiting for it to build up); disposing opens the gate and
    /// restores the limits.
    /// </summary>
    private sealed class ThreadPoolBlock : IDisposable
    {
        private readonly ManualResetEventSlim _gate = new();
        private readonly int _minWorkers;
        private readonly int _minIo;
        private readonly int _maxWorkers;
        private readonly int _maxIo;

        private ThreadPoolBlock()
        {
            ThreadPool.GetMinThreads(out _minWorkers, out _minIo);
            ThreadPool.GetMaxThreads(out _maxWorkers, out _maxIo);
        }

        public static ThreadPoolBlock Start()
        {
            var block = new ThreadPoolBlock();
            Assert.True(ThreadPool.SetMinThreads(1, block._minIo));
            Assert.True(ThreadPool.SetMaxThreads(Environment.ProcessorCount, block._maxIo));

            // More blockers than threads: some stay queued, which shows every thread is taken.
            var blockers = ThreadPool.ThreadCount + 64;
            for (var i = 0; i < blockers; i++)
            {
                _ = ThreadPool.UnsafeQueueUserWorkItem(static gate => gate.Wait(), block._gate, preferLocal: false);
            }

            var deadline = Stopwatch.StartNew();
            while (ThreadPool.PendingWorkItemCount == 0 || deadline.Elapsed < TimeSpan.FromMilliseconds(300))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "The thread pool did not fill up.");
                Thread.Sleep(50);
            }

            return block;
        }

        public void Dispose()
        {
            _gate.Set();
            _ = ThreadPool.SetMaxThreads(_maxWorkers, _maxIo);
            _ = ThreadPool.SetMinThreads(_minWorkers, _minIo);
            var draining = Stopwatch.StartNew();
            while (ThreadPool.PendingWorkItemCount > 0 && draining.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }
        }
    }
}
