using System.Buffers;
using HybridCacheKit.Distributed;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Resilience;

/// <summary>
/// A read of L2 that started before the backplane lost its connection and ended after it came back: a change made
/// meanwhile (its message lost) may postdate what was read. Before, the copy was stored in L1 with the epoch current
/// when it was stored, so it counted as read after the reconnection and was served without revalidation until its
/// local expiration. It now carries the epoch from when its read started, and the next read revalidates it.
/// </summary>
public sealed class ReadAcrossReconnectTests
{
    private static readonly HybridCacheEntryOptions s_options = new() { Expiration = TimeSpan.FromMinutes(10) };

    [Fact]
    public async Task GetOrCreateAsync_L2ReadSpansADisconnection_CopyIsRevalidatedNotTrusted()
    {
        var shared = new BufferDistributedCache();
        var gated = new GatedReadCache(shared);
        var backplane = new ManualBackplane();
        using var sut = CacheUnderTest.Create(l2: gated, services: s => s.AddSingleton<IHybridCacheBackplane>(backplane));
        using var writer = CacheUnderTest.Create(l2: shared);
        await writer.Cache.SetAsync("key", "v1", s_options);

        gated.Hold = true;
        var read = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options).AsTask();
        await gated.ReadDone;                  // v1 read from L2, not yet handed back
        backplane.Listener!.OnDisconnected();
        await writer.Cache.SetAsync("key", "v2", s_options);   // its message is lost
        backplane.Listener!.OnReconnected();
        gated.Release();

        Assert.Equal("v1", await read);        // the read's own caller overlapped the change
        Assert.Equal("v2", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
    }

    [Fact]
    public async Task TryGetAsync_L2ReadSpansADisconnection_CopyIsRevalidatedNotTrusted()
    {
        var shared = new BufferDistributedCache();
        var gated = new GatedReadCache(shared);
        var backplane = new ManualBackplane();
        using var sut = CacheUnderTest.Create(l2: gated, services: s => s.AddSingleton<IHybridCacheBackplane>(backplane));
        using var writer = CacheUnderTest.Create(l2: shared);
        await writer.Cache.SetAsync("key", "v1", s_options);

        gated.Hold = true;
        var read = sut.Cache.TryGetAsync<string>("key").AsTask();
        await gated.ReadDone;
        backplane.Listener!.OnDisconnected();
        await writer.Cache.SetAsync("key", "v2", s_options);
        backplane.Listener!.OnReconnected();
        gated.Release();

        Assert.Equal("v1", (await read).Value);
        Assert.Equal("v2", (await sut.Cache.TryGetAsync<string>("key")).Value);
    }

    /// <summary>A backplane the test connects and disconnects by hand; nothing is delivered.</summary>
    private sealed class ManualBackplane : IHybridCacheBackplane
    {
        public IHybridCacheBackplaneListener? Listener { get; private set; }

        public bool IsConnected => true;

        public void Subscribe(IHybridCacheBackplaneListener listener) => Listener = listener;

        public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }

    /// <summary>While <see cref="Hold"/> is set, the next buffered read of "key" reads the inner cache at once, then waits for <see cref="Release"/> before returning.</summary>
    private sealed class GatedReadCache(BufferDistributedCache inner) : IBufferDistributedCache
    {
        private readonly TaskCompletionSource _readDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Hold { get; set; }

        public Task ReadDone => _readDone.Task;

        public void Release() => _release.TrySetResult();

        public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
        {
            if (!Hold || key != "key")
            {
                return await inner.TryGetAsync(key, destination, token);
            }

            Hold = false;
            var found = await inner.TryGetAsync(key, destination, token);
            _readDone.TrySetResult();
            await _release.Task.WaitAsync(Eventually.Limit, token);
            return found;
        }

        public bool TryGet(string key, IBufferWriter<byte> destination) => inner.TryGet(key, destination);

        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
    }
}
