using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>Redis IDistributedCache with Microsoft's RedisCache layout (work in progress).</summary>
internal sealed class RedisDistributedCache(RedisConnection connection) : IBufferDistributedCache
{
    internal RedisConnection Connection => connection;

    public byte[]? Get(string key) => throw new NotImplementedException();

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => throw new NotImplementedException();

    public void Refresh(string key) => throw new NotImplementedException();

    public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotImplementedException();

    public void Remove(string key) => throw new NotImplementedException();

    public Task RemoveAsync(string key, CancellationToken token = default) => throw new NotImplementedException();

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotImplementedException();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new NotImplementedException();

    public bool TryGet(string key, IBufferWriter<byte> destination) => throw new NotImplementedException();

    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default) => throw new NotImplementedException();

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => throw new NotImplementedException();

    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new NotImplementedException();
}
