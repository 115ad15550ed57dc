using System.Buffers;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// An in-process <see cref="IBufferDistributedCache"/> whose reads complete asynchronously on the thread pool, the
/// way a Redis reply completes on a StackExchange.Redis completion item, but with no network and no Redis. The engine
/// over it against a plain read of it (both in <see cref="RedisL2HitBenchmarks"/>) isolates what the engine itself
/// costs on an asynchronous L2 read: flight, timeout, envelope, tag check, continuation.
/// </summary>
internal sealed class YieldingBufferCache : IBufferDistributedCache
{
    private readonly BufferDistributedCache _inner = new();

    public byte[]? Get(string key) => _inner.Get(key);

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await Task.Yield();
        return _inner.Get(key);
    }

    public bool TryGet(string key, IBufferWriter<byte> destination) => _inner.TryGet(key, destination);

    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        await Task.Yield();
        return _inner.TryGet(key, destination);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => _inner.SetAsync(key, value, options, token);

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => _inner.SetAsync(key, value, options, token);

    public void Refresh(string key) => _inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

    public void Remove(string key) => _inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);
}
