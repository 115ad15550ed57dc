using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>
/// Forwards every call to an inner <see cref="IBufferDistributedCache"/>; a test wrapper derives from it and overrides
/// only the calls it changes (a read that fails for some keys, waits on a gate, or completes asynchronously).
/// </summary>
public abstract class ForwardingBufferDistributedCache(IBufferDistributedCache inner) : IBufferDistributedCache
{
    /// <summary>The cache calls go to.</summary>
    protected IBufferDistributedCache Inner { get; } = inner;

    /// <inheritdoc />
    public virtual byte[]? Get(string key) => Inner.Get(key);

    /// <inheritdoc />
    public virtual Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Inner.GetAsync(key, token);

    /// <inheritdoc />
    public virtual bool TryGet(string key, IBufferWriter<byte> destination) => Inner.TryGet(key, destination);

    /// <inheritdoc />
    public virtual ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default) => Inner.TryGetAsync(key, destination, token);

    /// <inheritdoc />
    public virtual void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Inner.Set(key, value, options);

    /// <inheritdoc />
    public virtual Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Inner.SetAsync(key, value, options, token);

    /// <inheritdoc />
    public virtual void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => Inner.Set(key, value, options);

    /// <inheritdoc />
    public virtual ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => Inner.SetAsync(key, value, options, token);

    /// <inheritdoc />
    public virtual void Refresh(string key) => Inner.Refresh(key);

    /// <inheritdoc />
    public virtual Task RefreshAsync(string key, CancellationToken token = default) => Inner.RefreshAsync(key, token);

    /// <inheritdoc />
    public virtual void Remove(string key) => Inner.Remove(key);

    /// <inheritdoc />
    public virtual Task RemoveAsync(string key, CancellationToken token = default) => Inner.RemoveAsync(key, token);
}
