using System.Buffers;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class BufferDistributedCacheTests
{
    private static readonly byte[] Value = [1, 2, 3];
    private readonly FakeTimeProvider _time = new();
    private readonly BufferDistributedCache _cache;

    public BufferDistributedCacheTests()
    {
        _cache = new BufferDistributedCache(_time);
    }

    [Fact]
    public void Get_AfterSet_ReturnsIndependentCopy()
    {
        var input = Value.ToArray();
        _cache.Set("k", input, new DistributedCacheEntryOptions());
        input[0] = 99;

        var first = _cache.Get("k")!;
        first[1] = 99;

        Assert.Equal(Value, _cache.Get("k"));
    }

    [Fact]
    public void Get_MissingKey_ReturnsNull()
    {
        Assert.Null(_cache.Get("missing"));
    }

    [Fact]
    public void Get_NoExpiration_SurvivesAYear()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions());

        _time.Advance(TimeSpan.FromDays(365));

        Assert.Equal(Value, _cache.Get("k"));
    }

    [Fact]
    public void Get_AbsoluteExpiration_ExpiresAtThatInstant()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow().AddSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal(Value, _cache.Get("k"));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void Get_RelativeExpiration_ExpiresAfterDurationFromSet()
    {
        _time.Advance(TimeSpan.FromMinutes(3));
        _cache.Set("k", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30) });

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(Value, _cache.Get("k"));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void Set_RelativeAndAbsolute_RelativeWins()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = _time.GetUtcNow().AddHours(1),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5),
        });

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void Set_AbsoluteExpirationNotInFuture_Throws()
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() };

        Assert.Throws<ArgumentOutOfRangeException>(() => _cache.Set("k", Value, options));
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void Get_SlidingExpiration_RenewedByEachRead()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(8));
            Assert.Equal(Value, _cache.Get("k"));
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void Get_SlidingExpirationWithoutReads_ExpiresAfterWindow()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public async Task RefreshAsync_SlidingExpiration_RenewsWindowWithoutReading()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(9));
        await _cache.RefreshAsync("k");
        _time.Advance(TimeSpan.FromSeconds(9));
        _cache.Refresh("k");
        _time.Advance(TimeSpan.FromSeconds(9));

        Assert.Equal(Value, await _cache.GetAsync("k"));
    }

    [Fact]
    public void Get_SlidingWithAbsolute_NeverOutlivesAbsolute()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(15),
        });

        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(Value, _cache.Get("k"));

        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void TryGet_PresentAndMissing_WritesValueOrReportsMiss()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions());
        var writer = new ArrayBufferWriter<byte>();

        Assert.True(_cache.TryGet("k", writer));
        Assert.False(_cache.TryGet("missing", writer));

        Assert.Equal(Value, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task TryGetAsync_SlidingExpiration_RenewsWindow()
    {
        _cache.Set("k", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(await _cache.TryGetAsync("k", new ArrayBufferWriter<byte>()));
        _time.Advance(TimeSpan.FromSeconds(9));

        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await _cache.TryGetAsync("k", writer));
        Assert.Equal(Value, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task SetAsync_MultiSegmentSequence_StoresAllBytes()
    {
        var sequence = MultiSegment([1, 2], [], [3, 4, 5]);
        Assert.False(sequence.IsSingleSegment);

        await _cache.SetAsync("k", sequence, new DistributedCacheEntryOptions());

        Assert.Equal([1, 2, 3, 4, 5], _cache.Get("k"));
    }

    [Fact]
    public void Set_SequenceWithRelativeExpiration_Expires()
    {
        _cache.Set("k", new ReadOnlySequence<byte>(Value), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(_cache.TryGet("k", new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public async Task RemoveAsync_ExistingKey_RemovesIt()
    {
        _cache.Set("a", Value, new DistributedCacheEntryOptions());
        _cache.Set("b", Value, new DistributedCacheEntryOptions());

        await _cache.RemoveAsync("a");
        _cache.Remove("missing");

        Assert.Null(_cache.Get("a"));
        Assert.Equal(Value, _cache.Get("b"));
    }

    [Fact]
    public void Count_SomeExpired_CountsOnlyLiveEntries()
    {
        _cache.Set("short", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });
        _cache.Set("long", Value, new DistributedCacheEntryOptions());

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, _cache.Count);
    }

    [Fact]
    public async Task AsyncMethods_CancelledToken_ThrowOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.GetAsync("k", cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.SetAsync("k", Value, new(), cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await _cache.TryGetAsync("k", new ArrayBufferWriter<byte>(), cts.Token));
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public void Set_ManyThreads_KeepsEveryEntry()
    {
        Parallel.For(0, 1000, i =>
        {
            _cache.Set($"k{i}", [(byte)i], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });
            Assert.NotNull(_cache.Get($"k{i}"));
        });

        Assert.Equal(1000, _cache.Count);
    }

    private static ReadOnlySequence<byte> MultiSegment(params byte[][] parts)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(part, last?.RunningIndex + last?.Memory.Length ?? 0);
            last?.SetNext(segment);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
