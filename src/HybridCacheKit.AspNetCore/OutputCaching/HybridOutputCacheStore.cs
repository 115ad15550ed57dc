using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.OutputCaching;

/// <summary>
/// ASP.NET Core output caching's store over the HybridCacheKit engine: entries live in L1 (this node's memory) and L2
/// (shared, e.g. Redis), tags are engine tags, and the backplane keeps every node's L1 in step. See
/// docs/output-cache-and-session.md.
/// </summary>
/// <remarks>
/// <para>An entry is an <see cref="OutputCachePayload"/>: an immutable type, so an L1 hit returns the stored array
/// itself (no deserializing, no copy). <see cref="GetAsync"/>, which the framework uses to read, hands that array out
/// as the framework's in-memory store does; it must be treated as read-only.</para>
/// <para>Entries larger than the engine's MaximumPayloadBytes are not stored (the response is still served), and any
/// older entry under the key is removed, as the engine does for any value it cannot store.</para>
/// </remarks>
internal sealed partial class HybridOutputCacheStore : IOutputCacheBufferStore
{
    private readonly HybridCache _cache;
    private readonly OutputCacheKeyEncoder _keys;
    private readonly long _maxPayloadBytes;
    private readonly TimeSpan? _localExpiration;
    private readonly HybridCacheEntryOptions _readOptions;
    private readonly ILogger _logger;

    public HybridOutputCacheStore(
        IServiceProvider services,
        IOptions<HybridOutputCacheStoreOptions> options,
        IOptions<HybridCacheKitOptions> engineOptions,
        IOptions<OutputCacheOptions>? outputCacheOptions = null,
        ILogger<HybridOutputCacheStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(engineOptions);
        _cache = RequireEngine(services.GetService(typeof(HybridCache)) as HybridCache);
        var settings = options.Value;
        var engine = engineOptions.Value;
        _keys = new OutputCacheKeyEncoder(settings.KeyPrefix, engine.MaximumKeyLength);
        _maxPayloadBytes = engine.MaximumPayloadBytes;
        _localExpiration = settings.LocalCacheExpiration;

        // Reads pass only the L1 lifetime of a copy made from an L2 hit; the entry's own expiry (from L2) caps it.
        var readLifetime = _localExpiration ?? TimeSpan.FromDays(365);
        _readOptions = new HybridCacheEntryOptions { Expiration = readLifetime, LocalCacheExpiration = readLifetime };
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        if (outputCacheOptions?.Value.MaximumBodySize is { } maxBody && maxBody > _maxPayloadBytes)
        {
            Log.SizeLimit(_logger, _maxPayloadBytes, maxBody);
        }
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = _cache.TryGetAsync<OutputCachePayload>(_keys.ForEntry(key), _readOptions, cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new ValueTask<byte[]?>(pending.Result.Value?.Bytes)
            : AwaitBytesAsync(pending);

        static async ValueTask<byte[]?> AwaitBytesAsync(ValueTask<HybridCacheLookup<OutputCachePayload>> pending)
            => (await pending.ConfigureAwait(false)).Value?.Bytes;
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryGetAsync(string key, PipeWriter destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var bytes = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return false;
        }

        destination.Write(bytes);
        return true;
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);

        // The framework hands this array over (its in-memory store keeps it as is), so it is stored without a copy.
        return StoreAsync(key, value.Length, value, default, tags, validFor, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, ReadOnlyMemory<string> tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);

        // The sequence is the framework's pooled buffer, recycled once this returns: copied (once, exactly sized) only
        // after the size check, so an oversized body is never copied at all.
        return StoreAsync(key, value.Length, null, value, tags.IsEmpty ? null : tags.ToArray(), validFor, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tag);
        cancellationToken.ThrowIfCancellationRequested();
        return _cache.RemoveByTagAsync(_keys.ForTag(tag), cancellationToken);
    }

    private async ValueTask StoreAsync(string key, long length, byte[]? array, ReadOnlySequence<byte> sequence, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (validFor <= TimeSpan.Zero)
        {
            return;
        }

        var entryKey = _keys.ForEntry(key);
        if (length > _maxPayloadBytes)
        {
            Log.EntryTooLarge(_logger, length, _maxPayloadBytes);
            await _cache.RemoveAsync(entryKey, cancellationToken).ConfigureAwait(false);
            return;
        }

        var payload = new OutputCachePayload(array ?? sequence.ToArray());
        var local = _localExpiration is { } cap && cap < validFor ? cap : validFor;
        var entryOptions = new HybridCacheEntryOptions { Expiration = validFor, LocalCacheExpiration = local };
        // Exact: the framework may serve the entry for validFor and not longer, so the engine's ExpirationJitter, which
        // would lengthen its life, is not added.
        await _cache.SetExactAsync(entryKey, payload, entryOptions, EncodeTags(tags), cancellationToken).ConfigureAwait(false);
    }

    private string[]? EncodeTags(string[]? tags)
    {
        if (tags is null || tags.Length == 0)
        {
            return null;
        }

        var encoded = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            encoded[i] = _keys.ForTag(tags[i] ?? throw new ArgumentException("An output-cache tag must not be null.", nameof(tags)));
        }

        return encoded;
    }

    private static HybridCache RequireEngine(HybridCache? cache)
    {
        if (cache is null)
        {
            throw new InvalidOperationException(
                "The HybridCacheKit output-cache store needs HybridCacheKit's HybridCache: call services.AddHybridCacheKit() (and, for several nodes, .AddStackExchangeRedis(...)).");
        }

        if (cache.GetType().Assembly != typeof(HybridCacheKitOptions).Assembly)
        {
            throw new InvalidOperationException(
                $"The HybridCacheKit output-cache store needs HybridCacheKit's HybridCache, but the registered HybridCache is a {cache.GetType().FullName}. Call services.AddHybridCacheKit().");
        }

        return cache;
    }
}
