using System.Buffers;
using System.Text;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>The <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/> contract against a real server.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisDistributedCacheTests(RedisServerFixture redis) : IDisposable
{
    private static readonly DistributedCacheEntryOptions NoExpiration = new();
    private readonly CacheHarness _harness = CacheHarness.Create(redis.Server);

    private IBufferDistributedCache Cache => _harness.Cache;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await Cache.GetAsync("missing"));
        Assert.Null(Cache.Get("missing"));
    }

    [Fact]
    public async Task SetAsync_ThenGetAsync_ReturnsSameBytes()
    {
        var value = RandomBytes(1000);

        await Cache.SetAsync("k", value, NoExpiration);

        Assert.Equal(value, await Cache.GetAsync("k"));
    }

    [Fact]
    public void Set_ThenGet_SyncMethodsRoundTrip()
    {
        var value = RandomBytes(10);

        Cache.Set("k", value, NoExpiration);

        Assert.Equal(value, Cache.Get("k"));
    }

    [Fact]
    public async Task SyncAndAsyncMethods_SameEntries_InteroperateInMicrosoftLayout()
    {
        var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) };

        Cache.Set("sync", [1, 2], sliding);
        await Cache.SetAsync("async", [3], sliding);
        Cache.Set("sequence", new ReadOnlySequence<byte>([4]), NoExpiration);

        // Written by the sync methods in the same layout as by the async ones: absexp, sldexp and data, and the TTL.
        var fields = _harness.HashGetAll("sync");
        Assert.Equal(["absexp", "data", "sldexp"], fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(-1, CacheHarness.Long(fields, "absexp"));
        Assert.Equal(TimeSpan.FromMinutes(20).Ticks, CacheHarness.Long(fields, "sldexp"));
        Assert.Equal([1, 2], fields["data"]);
        Assert.InRange(_harness.Pttl("sync"), 1_198_000, 1_200_000);
        Assert.Equal(_harness.HashGetAll("async").Keys.Order(StringComparer.Ordinal), fields.Keys.Order(StringComparer.Ordinal));

        Assert.Equal([1, 2], await Cache.GetAsync("sync"));
        Assert.Equal([3], Cache.Get("async"));
        var destination = new ArrayBufferWriter<byte>();
        Assert.True(await Cache.TryGetAsync("sequence", destination));
        Assert.True(Cache.TryGet("async", destination));
        Assert.Equal([4, 3], destination.WrittenSpan.ToArray());

        // Sync reads and Refresh renew a sliding entry written by the async path, as the async reads do.
        _harness.Raw.Execute("EXPIRE", _harness.RedisKey("async"), 5);
        Cache.Refresh("async");
        Assert.InRange(_harness.Pttl("async"), 1_198_000, 1_200_000);
        _harness.Raw.Execute("EXPIRE", _harness.RedisKey("async"), 5);
        Assert.Equal([3], Cache.Get("async"));
        Assert.InRange(_harness.Pttl("async"), 1_198_000, 1_200_000);

        Cache.Remove("async");
        await Cache.RemoveAsync("sync");
        Assert.Null(await Cache.GetAsync("async"));
        Assert.Null(Cache.Get("sync"));
    }

    [Fact]
    public async Task Get_SyncCallInContinuationOfAwaitedCall_CompletesWithoutWaitingForTimeout()
    {
        using var harness = CacheHarness.Create(redis.Server, configure: o => o.OperationTimeout = TimeSpan.FromMinutes(1));
        harness.Cache.Set("k", [1], NoExpiration);
        for (var i = 0; i < 20; i++)
        {
            // An ASP.NET Core request has no synchronization context: whatever runs after the await runs on the thread
            // that completed the call, and a sync call there must not wait for a reply queued behind itself.
            var afterAwait = Task.Run(async () =>
            {
                await harness.Cache.GetAsync("k");
                return harness.Cache.Get("k");
            });

            Assert.Equal([1], await afterAwait.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public async Task SetAsync_EmptyValue_ReadsBackEmptyNotNull()
    {
        await Cache.SetAsync("k", [], NoExpiration);

        Assert.Equal(Array.Empty<byte>(), await Cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_ExistingKey_ReplacesValue()
    {
        await Cache.SetAsync("k", [1, 2, 3], NoExpiration);

        await Cache.SetAsync("k", [4], NoExpiration);

        Assert.Equal([4], await Cache.GetAsync("k"));
    }

    [Fact]
    public async Task RemoveAsync_ExistingKey_GetReturnsNullAndRedisKeyGone()
    {
        await Cache.SetAsync("k", [1], NoExpiration);

        await Cache.RemoveAsync("k");

        Assert.Null(await Cache.GetAsync("k"));
        Assert.Equal(0, _harness.Raw.Execute("EXISTS", _harness.RedisKey("k")).Integer);
    }

    [Fact]
    public async Task Remove_SyncAndMissingKey_DoesNotThrow()
    {
        Cache.Set("k", [1], NoExpiration);

        Cache.Remove("k");
        await Cache.RemoveAsync("never-set");

        Assert.Null(Cache.Get("k"));
    }

    [Fact]
    public async Task SetAsync_InstanceName_PrefixesRedisKey()
    {
        await Cache.SetAsync("user:1", [7], NoExpiration);

        Assert.Equal(1, _harness.Raw.Execute("EXISTS", _harness.Prefix + "user:1").Integer);
        Assert.Equal(0, _harness.Raw.Execute("EXISTS", "user:1").Integer);
    }

    [Fact]
    public async Task SetAsync_EmptyInstanceName_UsesKeyAsIs()
    {
        using var harness = CacheHarness.Create(redis.Server, configure: o => o.InstanceName = string.Empty);
        var key = $"hck-dc-noprefix-{Guid.NewGuid():N}";

        await harness.Cache.SetAsync(key, [9], NoExpiration);

        Assert.Equal("hash", harness.Raw.Execute("TYPE", key).Text);
        Assert.Equal([9], await harness.Cache.GetAsync(key));
        await harness.Cache.RemoveAsync(key);
    }

    [Fact]
    public async Task SetAsync_NonAsciiKey_StoredAsUtf8()
    {
        await Cache.SetAsync("clé-ключ-键", [5], NoExpiration);

        Assert.Equal(1, _harness.Raw.Execute("EXISTS", Encoding.UTF8.GetBytes(_harness.Prefix + "clé-ключ-键")).Integer);
        Assert.Equal([5], await Cache.GetAsync("clé-ключ-键"));
    }

    [Fact]
    public async Task TryGetAsync_ExistingKey_WritesValueAndReturnsTrue()
    {
        var value = RandomBytes(5000);
        await Cache.SetAsync("k", value, NoExpiration);
        var destination = new ArrayBufferWriter<byte>();

        var found = await Cache.TryGetAsync("k", destination);

        Assert.True(found);
        Assert.Equal(value, destination.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task TryGetAsync_MissingKey_ReturnsFalseAndWritesNothing()
    {
        var destination = new ArrayBufferWriter<byte>();

        Assert.False(await Cache.TryGetAsync("missing", destination));
        Assert.False(Cache.TryGet("missing", destination));
        Assert.Equal(0, destination.WrittenCount);
    }

    [Fact]
    public async Task SetAsync_MultiSegmentSequence_StoresConcatenatedBytes()
    {
        var value = RandomBytes(300);
        var sequence = Segments(value, 100);

        await Cache.SetAsync("k", sequence, NoExpiration);

        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(value, await Cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_SingleSegmentSlice_StoresOnlyTheSlice()
    {
        var buffer = RandomBytes(100);

        await Cache.SetAsync("k", new ReadOnlySequence<byte>(buffer, 10, 50), NoExpiration);
        Cache.Set("sync", new ReadOnlySequence<byte>(buffer, 0, 5), NoExpiration);

        Assert.Equal(buffer[10..60], await Cache.GetAsync("k"));
        var destination = new ArrayBufferWriter<byte>();
        Assert.True(Cache.TryGet("sync", destination));
        Assert.Equal(buffer[..5], destination.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task SetAsync_SequenceBufferReusedAfterReturn_StoredValueUnchanged()
    {
        var buffer = RandomBytes(64);
        var expected = buffer.ToArray();

        await Cache.SetAsync("k", new ReadOnlySequence<byte>(buffer), NoExpiration);
        Array.Clear(buffer);

        Assert.Equal(expected, await Cache.GetAsync("k"));
    }

    [Fact]
    public async Task Methods_NullArguments_ThrowArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Cache.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Cache.SetAsync(null!, [1], NoExpiration));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Cache.SetAsync("k", (byte[])null!, NoExpiration));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Cache.SetAsync("k", [1], null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Cache.RemoveAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Cache.RefreshAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Cache.TryGetAsync("k", null!));
        Assert.Throws<ArgumentNullException>(() => Cache.Get(null!));
        Assert.Throws<ArgumentNullException>(() => Cache.TryGet(null!, new ArrayBufferWriter<byte>()));
        Assert.Throws<ArgumentNullException>(() => Cache.TryGet("k", null!));
        Assert.Throws<ArgumentNullException>(() => Cache.Set(null!, [1], NoExpiration));
        Assert.Throws<ArgumentNullException>(() => Cache.Set("k", (byte[])null!, NoExpiration));
        Assert.Throws<ArgumentNullException>(() => Cache.Set("k", new ReadOnlySequence<byte>([1]), null!));
        Assert.Throws<ArgumentNullException>(() => Cache.Refresh(null!));
        Assert.Throws<ArgumentNullException>(() => Cache.Remove(null!));
    }

    [Fact]
    public async Task GetAsync_KeyHoldsAString_ThrowsServerErrorNotUnavailable()
    {
        _harness.Raw.Execute("SET", _harness.RedisKey("k"), "plain string");

        var ex = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => Cache.GetAsync("k"));

        Assert.Contains("WRONGTYPE", ex.Message, StringComparison.Ordinal);
        Assert.False(_harness.Connection.IsCircuitOpen);
    }

    internal static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static ReadOnlySequence<byte> Segments(byte[] value, int segmentLength)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < value.Length; offset += segmentLength)
        {
            var memory = value.AsMemory(offset, Math.Min(segmentLength, value.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
