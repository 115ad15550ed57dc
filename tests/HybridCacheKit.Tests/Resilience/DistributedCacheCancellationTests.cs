using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Resilience;

/// <summary>
/// An L2 that declares it honours cancellation (<see cref="IHybridCacheDistributedCacheCancellation"/>) is awaited
/// directly: its token alone bounds the call, cancelled at DistributedCacheTimeout or when every caller has left. Any
/// other L2 (not declaring it, or declaring <see langword="false"/>) is still abandoned at the timeout by the engine's own
/// wait, even when it ignores its token. The timeouts run on the injected clock.
/// </summary>
public sealed class DistributedCacheCancellationTests
{
    private const int L2TimedOutEvent = 1004;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task GetOrCreateAsync_DeclaringL2HangsHonouringItsToken_TokenCancelledAtDeadlineFactoryServes()
    {
        var time = new FakeTimeProvider();
        var l2 = new HangingL2 { HonorsCancellation = true, HonourToken = true };
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = Timeout, time: time, l2: l2);

        var call = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory")).AsTask();
        await Eventually.HoldsAsync(() => l2.Gets == 1, "the L2 read started");
        time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(50);
        Assert.False(call.IsCompleted, "the L2 read gave up before its timeout");
        Assert.False(l2.GetToken.IsCancellationRequested);

        time.Advance(TimeSpan.FromSeconds(0.3)); // past 2 s, within the 1/16 slot granularity (2.125 s)

        Assert.Equal("from-factory", await call.WaitAsync(Eventually.Limit));
        Assert.True(l2.GetToken.IsCancellationRequested);
        Assert.Single(sut.Logs.WithEventId(L2TimedOutEvent));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors, new(HybridCacheKitDiagnostics.OperationTag, "get")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public async Task GetOrCreateAsync_L2NotDeclaringHangsIgnoringItsToken_StillAbandonedAtTheTimeout(bool? declares)
    {
        var time = new FakeTimeProvider();
        IDistributedCache l2 = declares is null ? new PlainHangingL2() : new HangingL2 { HonorsCancellation = declares.Value, HonourToken = false };
        var hanging = (IHangingL2)l2;
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = Timeout, time: time, l2: l2);
        try
        {
            var call = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory")).AsTask();
            await Eventually.HoldsAsync(() => hanging.Gets == 1, "the L2 read started");
            time.Advance(TimeSpan.FromSeconds(2.2));

            Assert.Equal("from-factory", await call.WaitAsync(Eventually.Limit));
            Assert.False(hanging.GetCompleted, "the L2 read should still be hanging: the engine's own wait ended the call");
            Assert.Single(sut.Logs.WithEventId(L2TimedOutEvent));
        }
        finally
        {
            hanging.Release();
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_DeclaringL2IgnoresItsTokenAfterAll_EngineTrustsTheDeclarationAndWaitsForIt()
    {
        // The declaration is what removes the engine's own wait: an L2 that declares it falsely hangs its callers as
        // long as it hangs. This pins down the contract documented on the interface.
        var time = new FakeTimeProvider();
        var l2 = new HangingL2 { HonorsCancellation = true, HonourToken = false };
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = Timeout, time: time, l2: l2);
        try
        {
            var call = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory")).AsTask();
            await Eventually.HoldsAsync(() => l2.Gets == 1, "the L2 read started");
            time.Advance(TimeSpan.FromSeconds(2.2));
            await Eventually.HoldsAsync(() => l2.GetToken.IsCancellationRequested, "the deadline cancelled the L2's token");
            await Task.Delay(100);
            Assert.False(call.IsCompleted, "the engine stopped waiting for an L2 that declared it honours cancellation");

            l2.Release();

            Assert.Equal("from-factory", await call.WaitAsync(Eventually.Limit));
        }
        finally
        {
            l2.Release();
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_CallerCancelsWhileDeclaringL2Hangs_CallerGetsCancellationAndL2TokenIsCancelled()
    {
        var l2 = new HangingL2 { HonorsCancellation = true, HonourToken = true };
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = TimeSpan.FromMinutes(5), l2: l2);
        using var cts = new CancellationTokenSource();

        var call = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory"), cancellationToken: cts.Token).AsTask();
        await Eventually.HoldsAsync(() => l2.Gets == 1, "the L2 read started");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Eventually.Limit));
        await Eventually.HoldsAsync(() => l2.GetToken.IsCancellationRequested, "the abandoned run cancelled the L2's token");
        Assert.Empty(sut.Logs.WithEventId(L2TimedOutEvent));
    }

    [Fact]
    public async Task GetOrCreateAsync_DeclaringL2Answers_ValueReadBackThroughIt()
    {
        var l2 = new HangingL2 { HonorsCancellation = true, HangGets = false };
        using var sut = CacheUnderTest.Create(l2: l2);
        var l2Only = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead };

        await sut.Cache.SetAsync("key", "stored");
        var value = await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory"), l2Only);

        Assert.Equal("stored", value);
        Assert.True(l2.Gets >= 1, "the value should have come from L2"); // the entry, and the "*" tag record without a backplane
    }

    private interface IHangingL2
    {
        int Gets { get; }

        bool GetCompleted { get; }

        void Release();
    }

    /// <summary>An in-memory L2 whose reads hang until released, honouring or ignoring their token, and that may declare either.</summary>
    private class PlainHangingL2 : IDistributedCache, IHangingL2
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _gets;
        private int _getCompleted;

        public bool HangGets { get; init; } = true;

        public bool HonourToken { get; init; }

        public int Gets => Volatile.Read(ref _gets);

        public bool GetCompleted => Volatile.Read(ref _getCompleted) != 0;

        public CancellationToken GetToken { get; private set; }

        public void Release() => _release.TrySetResult();

        public byte[]? Get(string key) => _entries.TryGetValue(key, out var value) ? value : null;

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            GetToken = token;
            Interlocked.Increment(ref _gets);
            try
            {
                if (HangGets)
                {
                    await (HonourToken ? _release.Task.WaitAsync(token) : _release.Task);
                }

                return Get(key);
            }
            finally
            {
                Volatile.Write(ref _getCompleted, 1);
            }
        }

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => _entries.TryRemove(key, out _);

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Remove(key);
            return Task.CompletedTask;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _entries[key] = value;

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Set(key, value, options);
            return Task.CompletedTask;
        }
    }

    private sealed class HangingL2 : PlainHangingL2, IHybridCacheDistributedCacheCancellation
    {
        public bool HonorsCancellation { get; init; }
    }
}
