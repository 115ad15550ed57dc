using System.Buffers;
using HybridCacheKit.Distributed;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
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
    public Task GetOrCreateAsync_L2ReadSpansADisconnection_CopyIsRevalidatedNotTrusted()
        => ReadSpanningADisconnectionAsync(async cache => await cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));

    [Fact]
    public Task TryGetAsync_L2ReadSpansADisconnection_CopyIsRevalidatedNotTrusted()
        => ReadSpanningADisconnectionAsync(async cache => (await cache.TryGetAsync<string>("key")).Value);

    /// <summary>
    /// L2 holds v1. <paramref name="read"/> reads it, and before the read returns the backplane disconnects, another
    /// instance writes v2 (its message lost) and the backplane reconnects. The read's own caller gets v1, which its
    /// call overlapped; the next read must revalidate and get v2.
    /// </summary>
    private static async Task ReadSpanningADisconnectionAsync(Func<HybridCache, Task<string?>> read)
    {
        var shared = new BufferDistributedCache();
        var gated = new GatedReadCache(shared);
        var backplane = new ManualBackplane();
        using var sut = CacheUnderTest.Create(l2: gated, services: s => s.AddSingleton<IHybridCacheBackplane>(backplane));
        using var writer = CacheUnderTest.Create(l2: shared);
        await writer.Cache.SetAsync("key", "v1", s_options);

        gated.Hold = true;
        var first = read(sut.Cache);
        await gated.ReadDone;
        backplane.Listener!.OnDisconnected();
        await writer.Cache.SetAsync("key", "v2", s_options);
        backplane.Listener!.OnReconnected();
        gated.Release();

        Assert.Equal("v1", await first);
        Assert.Equal("v2", await read(sut.Cache));
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
    private sealed class GatedReadCache(BufferDistributedCache inner) : ForwardingBufferDistributedCache(inner)
    {
        private readonly TaskCompletionSource _readDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Hold { get; set; }

        public Task ReadDone => _readDone.Task;

        public void Release() => _release.TrySetResult();

        public override async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
        {
            if (!Hold || key != "key")
            {
                return await base.TryGetAsync(key, destination, token);
            }

            Hold = false;
            var found = await base.TryGetAsync(key, destination, token);
            _readDone.TrySetResult();
            await _release.Task.WaitAsync(Eventually.Limit, token);
            return found;
        }
    }
}
