using System.Buffers;
using System.Diagnostics;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class ChaosDistributedCacheTests
{
    private static readonly byte[] Value = [4, 5, 6];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly BufferDistributedCache _inner;
    private readonly ChaosDistributedCache _chaos;

    public ChaosDistributedCacheTests()
    {
        _inner = new BufferDistributedCache(_time);
        _chaos = new ChaosDistributedCache(_inner, _time);
    }

    [Fact]
    public async Task PassThrough_Default_ReachesInnerAndCountsEachOperation()
    {
        await _chaos.SetAsync("k", Value, new DistributedCacheEntryOptions());
        Assert.Equal(Value, await _chaos.GetAsync("k"));
        Assert.Equal(Value, _chaos.Get("k"));
        await _chaos.RefreshAsync("k");
        _chaos.Remove("k");

        Assert.Equal(ChaosMode.PassThrough, _chaos.Mode);
        Assert.Null(_inner.Get("k"));
        Assert.Equal((1, 2, 1, 1), (_chaos.SetCalls, _chaos.GetCalls, _chaos.RefreshCalls, _chaos.RemoveCalls));
    }

    [Fact]
    public async Task Throw_AllOperations_ThrowsWithoutTouchingInnerButCounts()
    {
        _chaos.SetRaw("k", Value);
        _chaos.Mode = ChaosMode.Throw;

        var get = await Assert.ThrowsAsync<ChaosException>(() => _chaos.GetAsync("k"));
        Assert.Throws<ChaosException>(() => _chaos.Set("k", [0], new DistributedCacheEntryOptions()));
        await Assert.ThrowsAsync<ChaosException>(() => _chaos.RemoveAsync("k"));
        Assert.Throws<ChaosException>(() => _chaos.Refresh("k"));

        Assert.Equal(DistributedCacheOperations.Get, get.Operation);
        Assert.Equal(Value, _inner.Get("k"));
        Assert.Equal(1, _chaos.GetCalls);
        Assert.Equal(1, _chaos.SetCalls);
        Assert.Equal(1, _chaos.RemoveCalls);
        Assert.Equal(1, _chaos.RefreshCalls);
    }

    [Fact]
    public async Task Throw_CustomExceptionFactory_ThrowsThatException()
    {
        _chaos.Mode = ChaosMode.Throw;
        _chaos.ExceptionFactory = op => new TimeoutException(op.ToString());

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => _chaos.SetAsync("k", Value, new DistributedCacheEntryOptions()));

        Assert.Equal("Set", ex.Message);
    }

    [Fact]
    public async Task AffectedOperations_OnlySet_OtherOperationsPassThrough()
    {
        _chaos.SetRaw("k", Value);
        _chaos.Mode = ChaosMode.Throw;
        _chaos.AffectedOperations = DistributedCacheOperations.Set;

        Assert.Equal(Value, await _chaos.GetAsync("k"));
        await Assert.ThrowsAsync<ChaosException>(() => _chaos.SetAsync("k2", Value, new DistributedCacheEntryOptions()));
        await _chaos.RemoveAsync("k");

        Assert.Null(_inner.Get("k"));
        Assert.Null(_inner.Get("k2"));
    }

    [Fact]
    public async Task Mode_BackToPassThrough_CallsSucceedAgain()
    {
        _chaos.Mode = ChaosMode.Throw;
        await Assert.ThrowsAsync<ChaosException>(() => _chaos.SetAsync("k", Value, new DistributedCacheEntryOptions()));

        _chaos.Mode = ChaosMode.PassThrough;
        await _chaos.SetAsync("k", Value, new DistributedCacheEntryOptions());

        Assert.Equal(Value, _inner.Get("k"));
    }

    [Fact]
    public async Task Delay_WithFakeTime_CompletesOnlyAfterAdvance()
    {
        _chaos.SetRaw("k", Value);
        _chaos.Mode = ChaosMode.Delay;
        _chaos.Delay = TimeSpan.FromSeconds(5);

        var get = _chaos.GetAsync("k");
        _time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(50);
        Assert.False(get.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Value, await get.WaitAsync(Patience));
    }

    [Fact]
    public async Task Delay_CallerCancels_ThrowsOperationCanceledWithoutReachingInner()
    {
        _chaos.Mode = ChaosMode.Delay;
        _chaos.Delay = TimeSpan.FromSeconds(5);
        using var cts = new CancellationTokenSource();

        var set = _chaos.SetAsync("k", Value, new DistributedCacheEntryOptions(), cts.Token);
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => set.WaitAsync(Patience));
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.Null(_inner.Get("k"));
        Assert.Equal(0, _time.ScheduledTimerCount);
    }

    [Fact]
    public async Task Delay_IgnoreCancellation_HangsUntilReleased()
    {
        _chaos.Mode = ChaosMode.Delay;
        _chaos.Delay = Timeout.InfiniteTimeSpan;
        _chaos.IgnoreCancellation = true;
        using var cts = new CancellationTokenSource();

        var set = _chaos.SetAsync("k", Value, new DistributedCacheEntryOptions(), cts.Token);
        await cts.CancelAsync();
        _time.Advance(TimeSpan.FromDays(1));
        await Task.Delay(100);
        Assert.False(set.IsCompleted);

        _chaos.ReleaseDelayedCalls();

        await set.WaitAsync(Patience);
        Assert.Equal(Value, _inner.Get("k"));
    }

    [Fact]
    public async Task Mode_ChangedWhileDelayed_ReleasesWaitingCalls()
    {
        _chaos.SetRaw("k", Value);
        _chaos.Mode = ChaosMode.Delay;
        _chaos.Delay = Timeout.InfiniteTimeSpan;
        var get = _chaos.GetAsync("k");
        await Task.Delay(50);
        Assert.False(get.IsCompleted);

        _chaos.Mode = ChaosMode.PassThrough;

        Assert.Equal(Value, await get.WaitAsync(Patience));
    }

    [Fact]
    public void Delay_SystemClockSyncCall_BlocksForTheDelay()
    {
        var chaos = new ChaosDistributedCache(new BufferDistributedCache())
        {
            Mode = ChaosMode.Delay,
            Delay = TimeSpan.FromMilliseconds(300),
        };
        var stopwatch = Stopwatch.StartNew();

        chaos.Set("k", Value, new DistributedCacheEntryOptions());

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(250), Patience);
        Assert.Equal(Value, chaos.GetRaw("k"));
    }

    [Fact]
    public void Delay_NegativeValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _chaos.Delay = TimeSpan.FromSeconds(-1));
    }

    [Fact]
    public void RawAccess_InThrowMode_BypassesChaosAndCounting()
    {
        _chaos.Mode = ChaosMode.Throw;

        _chaos.SetRaw("k", Value);
        var read = _chaos.GetRaw("k");
        _chaos.RemoveRaw("k");

        Assert.Equal(Value, read);
        Assert.Null(_inner.Get("k"));
        Assert.Equal(0, _chaos.GetCalls + _chaos.SetCalls + _chaos.RemoveCalls + _chaos.RefreshCalls);
    }

    [Fact]
    public void ResetCallCounts_AfterCalls_ZeroesEveryCount()
    {
        _chaos.Get("k");
        _chaos.Set("k", Value, new DistributedCacheEntryOptions());

        _chaos.ResetCallCounts();

        Assert.Equal(0, _chaos.GetCallCount(DistributedCacheOperations.Get));
        Assert.Equal(0, _chaos.GetCallCount(DistributedCacheOperations.Set));
    }

    [Fact]
    public void GetCallCount_CombinedFlags_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _chaos.GetCallCount(DistributedCacheOperations.All));
    }

    [Fact]
    public void Wrap_BufferInner_KeepsBufferInterfaceOtherwiseNot()
    {
        var plainInner = new ChaosDistributedCache(_inner);

        Assert.IsAssignableFrom<IBufferDistributedCache>(ChaosDistributedCache.Wrap(_inner));
        Assert.IsNotAssignableFrom<IBufferDistributedCache>(ChaosDistributedCache.Wrap(plainInner));
        Assert.IsNotAssignableFrom<IBufferDistributedCache>(plainInner);
    }

    [Fact]
    public async Task BufferPath_PassThroughAndThrow_CountedAsGetAndSet()
    {
        var chaos = (ChaosBufferDistributedCache)ChaosDistributedCache.Wrap(_inner, _time);
        await chaos.SetAsync("k", new ReadOnlySequence<byte>(Value), new DistributedCacheEntryOptions());
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await chaos.TryGetAsync("k", writer));
        Assert.Equal(Value, writer.WrittenSpan.ToArray());

        chaos.Mode = ChaosMode.Throw;

        Assert.Throws<ChaosException>(() => chaos.TryGet("k", new ArrayBufferWriter<byte>()));
        Assert.Throws<ChaosException>(() => chaos.Set("k", new ReadOnlySequence<byte>([9]), new DistributedCacheEntryOptions()));
        Assert.Equal(2, chaos.GetCalls);
        Assert.Equal(2, chaos.SetCalls);
        Assert.Equal(Value, _inner.Get("k"));
    }
}
