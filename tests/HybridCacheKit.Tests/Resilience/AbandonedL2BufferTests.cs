using System.Buffers;
using System.Runtime.InteropServices;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Tests.Resilience;

/// <summary>
/// An <see cref="IBufferDistributedCache"/> that does not stop at the token (Microsoft's Redis and SQL Server caches
/// check it only on entry) goes on writing into the engine's buffer after the engine gave up on it at
/// DistributedCacheTimeout. The engine used to return that buffer to the shared pool as it gave up, so the late write
/// landed in an array another renter (an L2 read, a JSON serialization) then owned. An abandoned call now keeps its
/// buffer.
/// </summary>
public sealed class AbandonedL2BufferTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task GetOrCreateAsync_ReadOutlivesTimeout_ItsDestinationBufferStaysItsOwn()
    {
        var late = new LateReadCache(new BufferDistributedCache());
        using (var writer = CacheUnderTest.Create(l2: late))
        {
            await writer.Cache.SetAsync("k", "stored");
        }

        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = TimeSpan.FromMilliseconds(100), l2: late);
        late.HoldReads();

        // The engine gives up on the read and computes.
        Assert.Equal("computed", await sut.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed")).AsTask().WaitAsync(s_bound));

        // Then the read goes on, into the buffer it was given.
        var kept = await late.ReleaseReadAsync().WaitAsync(s_bound);
        Assert.True(kept, "the engine's buffer was taken from the read that was still writing into it (returned to the pool)");
    }

    /// <summary>Reads that, once held, get their destination's memory, wait (ignoring the token), then write into it.</summary>
    private sealed class LateReadCache(BufferDistributedCache inner) : IBufferDistributedCache
    {
        private TaskCompletionSource? _hold;
        private TaskCompletionSource<bool>? _done;

        public void HoldReads()
        {
            _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        /// <summary>Lets the held read finish; true when its destination still wrote into the array it had at first.</summary>
        public Task<bool> ReleaseReadAsync()
        {
            _hold!.SetResult();
            return _done!.Task;
        }

        public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
        {
            if (_hold is not { } hold)
            {
                return await inner.TryGetAsync(key, destination, token);
            }

            var before = ArrayOf(destination.GetMemory(16));
            await hold.Task;
            var after = ArrayOf(destination.GetMemory(16));
            var found = inner.TryGet(key, destination);
            _done!.SetResult(found && ReferenceEquals(before, after));
            return found;
        }

        public bool TryGet(string key, IBufferWriter<byte> destination) => inner.TryGet(key, destination);

        public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

        private static byte[] ArrayOf(Memory<byte> memory)
            => MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
    }
}
