using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Tests.Resilience;

/// <summary>
/// An L2 that reports itself unavailable (<see cref="IHybridCacheDistributedCacheAvailability"/>, e.g. a Redis circuit
/// breaker that is open) is not called at all: the caller is served from L1 or the factory, the skipped operation is
/// counted as an error tagged <c>error.type = unavailable</c>, and nothing is logged or thrown per operation. And the
/// engine's own L2 timeout runs on the injected clock, handing the operation a token that is cancelled at the deadline.
/// </summary>
public sealed class DistributedCacheAvailabilityTests
{
    private const int L2FailedEvent = 1003;
    private const int L2TimedOutEvent = 1004;

    [Fact]
    public async Task GetOrCreateAsync_L2ReportsUnavailable_NotCalledServedByFactoryAndCountedAsSkipped()
    {
        var l2 = new SwitchableL2 { IsAvailable = false };
        using var sut = CacheUnderTest.Create(l2: l2);

        var value = await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory"));

        Assert.Equal("from-factory", value);
        Assert.Equal(0, l2.Calls);
        Assert.Equal(2, sut.Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors, new(HybridCacheKitDiagnostics.ErrorTypeTag, HybridCacheKitDiagnostics.ErrorTypeUnavailable)));
        Assert.Empty(sut.Metrics.Of(HybridCacheKitDiagnostics.DistributedDuration));
        Assert.Empty(sut.Logs.WithEventId(L2FailedEvent));
        Assert.Empty(sut.Logs.WithEventId(L2TimedOutEvent));
    }

    [Fact]
    public async Task SetAsync_L2AvailableAgain_IsCalledAgainWithoutAnyReset()
    {
        var l2 = new SwitchableL2 { IsAvailable = false };
        using var sut = CacheUnderTest.Create(l2: l2);
        await sut.Cache.SetAsync("during-outage", "v1");
        Assert.Equal(0, l2.Calls);

        l2.IsAvailable = true;
        await sut.Cache.SetAsync("after-outage", "v2");

        Assert.Equal(1, l2.Calls);
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors));
        Assert.NotNull(await l2.GetAsync("after-outage"));
        Assert.Null(await l2.GetAsync("during-outage"));
    }

    [Fact]
    public async Task GetOrCreateAsync_L2HangsIgnoringCancellation_TimesOutWhenTheInjectedClockPassesTheTimeout()
    {
        var time = new FakeTimeProvider();
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache(time), time);
        l2.Mode = ChaosMode.Delay;
        l2.Delay = Timeout.InfiniteTimeSpan;
        l2.IgnoreCancellation = true;
        l2.AffectedOperations = DistributedCacheOperations.Get;
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = TimeSpan.FromSeconds(2), time: time, l2: l2);
        try
        {
            var call = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory")).AsTask();
            await Eventually.HoldsAsync(() => l2.GetCalls == 1, "the L2 read started");
            time.Advance(TimeSpan.FromSeconds(1.9));
            await Task.Delay(50);
            Assert.False(call.IsCompleted, "the L2 read gave up before its timeout");

            time.Advance(TimeSpan.FromSeconds(0.3)); // past 2 s, within the 1/16 slot granularity (2.125 s)

            Assert.Equal("from-factory", await call.WaitAsync(Eventually.Limit));
            Assert.Single(sut.Logs.WithEventId(L2TimedOutEvent));
        }
        finally
        {
            l2.ReleaseDelayedCalls();
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_L2HonoursCancellation_ItsTokenIsCancelledAtTheDeadline()
    {
        var time = new FakeTimeProvider();
        var l2 = new SwitchableL2 { HangGets = true };
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = TimeSpan.FromSeconds(2), time: time, l2: l2);

        var call = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory")).AsTask();
        await Eventually.HoldsAsync(() => l2.GetToken.CanBeCanceled, "the L2 read started");
        Assert.False(l2.GetToken.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(2.2));

        Assert.Equal("from-factory", await call.WaitAsync(Eventually.Limit));
        Assert.True(l2.GetToken.IsCancellationRequested);
        Assert.Single(sut.Logs.WithEventId(L2TimedOutEvent));
    }

    /// <summary>An in-memory L2 that can report itself unavailable, count the calls it gets, and hang reads until cancelled.</summary>
    private sealed class SwitchableL2 : IDistributedCache, IHybridCacheDistributedCacheAvailability
    {
        private readonly MemoryDistributedCacheStore _store = new();
        private int _calls;
        private CancellationToken _getToken = CancellationToken.None;

        public bool IsAvailable { get; set; } = true;

        public bool HangGets { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public CancellationToken GetToken => _getToken;

        public byte[]? Get(string key) => _store.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            Interlocked.Increment(ref _calls);
            if (HangGets)
            {
                _getToken = token;
                await Task.Delay(Timeout.Infinite, token);
            }

            return _store.Get(key);
        }

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => _store.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Interlocked.Increment(ref _calls);
            _store.Remove(key);
            return Task.CompletedTask;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _store.Set(key, value);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Interlocked.Increment(ref _calls);
            _store.Set(key, value);
            return Task.CompletedTask;
        }

        private sealed class MemoryDistributedCacheStore
        {
            private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);

            public byte[]? Get(string key) => _entries.TryGetValue(key, out var value) ? value : null;

            public void Set(string key, byte[] value) => _entries[key] = value;

            public void Remove(string key) => _entries.TryRemove(key, out _);
        }
    }
}
