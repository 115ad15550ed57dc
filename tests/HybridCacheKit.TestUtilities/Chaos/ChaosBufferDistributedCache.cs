using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>A <see cref="ChaosDistributedCache"/> that also keeps the inner cache's <see cref="IBufferDistributedCache"/> path.</summary>
public sealed class ChaosBufferDistributedCache : ChaosDistributedCache, IBufferDistributedCache
{
    private readonly IBufferDistributedCache _inner;

    /// <summary>Wraps <paramref name="inner"/>; delays use <paramref name="timeProvider"/> (the system clock if null).</summary>
    public ChaosBufferDistributedCache(IBufferDistributedCache inner, TimeProvider? timeProvider = null)
        : base(inner, timeProvider)
    {
        _inner = inner;
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ApplyChaos(DistributedCacheOperations.Get);
        return _inner.TryGet(key, destination);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        var innerToken = await ApplyChaosAsync(DistributedCacheOperations.Get, token).ConfigureAwait(false);
        return await _inner.TryGetAsync(key, destination, innerToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
    {
        ApplyChaos(DistributedCacheOperations.Set);
        _inner.Set(key, value, options);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(
        string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var innerToken = await ApplyChaosAsync(DistributedCacheOperations.Set, token).ConfigureAwait(false);
        await _inner.SetAsync(key, value, options, innerToken).ConfigureAwait(false);
    }
}
