using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using HybridCacheKit.Internal.Envelope;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Internal;

// Writing a value: serialize once, check the size limit, put it in L1, wrap it in the envelope and write it to L2.
internal sealed partial class DefaultHybridCache
{
    private bool IsReusable<T>() => ImmutableTypeCache<T>.IsImmutable || _options.ReuseMutableInstances;

    /// <summary>
    /// Stores a value in the tiers its settings allow. With <paramref name="announce"/> (SetAsync), an L2 that can send
    /// the backplane message with its write (<see cref="IHybridCacheDistributedCacheAnnouncements"/>) announces the
    /// change as <c>KeyChanged</c> stamped <paramref name="createdUtcTicks"/>; <see cref="Stored.L2"/> says whether it
    /// did, and when it did not the caller publishes the message itself.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Stored> StoreAsync<T>(string key, T value, EntrySettings settings, string[] tags, long createdUtcTicks, long factoryDurationTicks, CancellationToken cancellationToken, Flight? origin = null, bool announce = false)
    {
        var writeL1 = (settings.Flags & HybridCacheEntryFlags.DisableLocalCacheWrite) == 0;
        var writeL2 = _l2 is not null && (settings.Flags & HybridCacheEntryFlags.DisableDistributedCacheWrite) == 0;
        if (!writeL1 && !writeL2)
        {
            return default;
        }

        HybridCacheBackplaneMessage? announcement = announce ? new(HybridCacheBackplaneMessageKind.KeyChanged, key, createdUtcTicks) : null;

        var reusable = IsReusable<T>();
        IHybridCacheSerializer<T>? serializer = null;
        PooledBufferWriter? buffer = null;
        try
        {
            byte[]? payload = null;
            if (writeL2 || !reusable)
            {
                serializer = _serializers.GetSerializer<T>();
                buffer = new PooledBufferWriter();
                try
                {
                    serializer.Serialize(value, buffer);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SerializationFailed(_logger, ex, typeof(T).FullName ?? typeof(T).Name, LogKey(key));
                    return new Stored(null, await EvictUnstorableAsync(key, writeL1, writeL2, origin, cancellationToken).ConfigureAwait(false));
                }

                if (buffer.WrittenCount > _options.MaximumPayloadBytes)
                {
                    _metrics.Oversized();
                    Log.PayloadTooLarge(_logger, buffer.WrittenCount, _options.MaximumPayloadBytes, LogKey(key));
                    return new Stored(null, await EvictUnstorableAsync(key, writeL1, writeL2, origin, cancellationToken).ConfigureAwait(false));
                }

                _metrics.PayloadWritten(buffer.WrittenCount);
                if (!reusable)
                {
                    payload = buffer.ToArray();
                }
            }

            var nowUtc = _clock.UtcNowTicks();
            var expiresUtc = nowUtc + settings.Expiration.Ticks;
            var item = CreateItem(value, reusable, payload, serializer, createdUtcTicks, expiresUtc, factoryDurationTicks, tags, settings.LocalExpiration, nowUtc, buffer?.WrittenCount ?? 0);
            if (writeL1)
            {
                // A SetAsync is an access of its own for L1 admission; a run's store follows a lookup that counted.
                SetL1(key, item, origin, recordAccess: announce);
            }

            if (origin?.Superseded == true)
            {
                // The key changed while this run was in progress: L2 holds that change, which this value may predate.
                return new Stored(item, L2Write.Skipped);
            }

            if (writeL2 && _options.L2Format == HybridCacheL2Format.Plain)
            {
                return new Stored(item, await WriteL2Async(key, buffer!, settings.Expiration, announcement, cancellationToken).ConfigureAwait(false));
            }
            else if (writeL2)
            {
                var compress = _options.EnableCompression
                    && (settings.Flags & HybridCacheEntryFlags.DisableCompression) == 0
                    && buffer!.WrittenCount >= _options.CompressionThresholdBytes;
                using var envelope = new PooledBufferWriter(buffer!.WrittenCount + 64 + (key.Length * 3));
                try
                {
                    PayloadEnvelope.Write(envelope, key, new EnvelopeMetadata(createdUtcTicks, expiresUtc, factoryDurationTicks, tags), buffer.WrittenSpan, compress ? _options.CompressionLevel : null);
                }
                catch (ArgumentException)
                {
                    // A key or tag that is not well-formed UTF-16 (a lone surrogate) has no unambiguous byte form:
                    // keep the value in L1 only rather than risk two keys sharing one L2 entry.
                    Log.KeyRejected(_logger, "not well-formed UTF-16; stored in L1 only", "[redacted]");
                    return new Stored(item, L2Write.Skipped);
                }

                var ttl = settings.Expiration + (_failSafe ? _options.FailSafeMaxDuration : TimeSpan.Zero);
                if (ttl > _options.TagInvalidationRetention)
                {
                    ttl = _options.TagInvalidationRetention;
                }

                return new Stored(item, await WriteL2Async(key, envelope, ttl, announcement, cancellationToken).ConfigureAwait(false));
            }

            return new Stored(item, L2Write.Skipped);
        }
        finally
        {
            buffer?.Dispose();
        }
    }

    /// <summary>
    /// A new value that cannot be stored must not leave the value it replaces in the tiers it would have been written
    /// to: a read after the write would return the old value.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<L2Write> EvictUnstorableAsync(string key, bool writeL1, bool writeL2, Flight? origin, CancellationToken cancellationToken)
    {
        if (origin?.Superseded == true)
        {
            // What the tiers hold now came after this run started: nothing of it to evict.
            return L2Write.Skipped;
        }

        if (writeL1)
        {
            _l1.Remove(key);
        }

        return writeL2 ? await RemoveFromL2Async(key, cancellationToken).ConfigureAwait(false) : L2Write.Skipped;
    }

    private CacheItem CreateItem<T>(T value, bool reusable, byte[]? payload, IHybridCacheSerializer<T>? serializer, long createdUtcTicks, long expiresUtcTicks, long factoryDurationTicks, string[] tags, TimeSpan localExpiration, long nowUtcTicks, long serializedSize)
    {
        var nowMs = _clock.NowMs();
        var expiresMs = CacheClock.ToLocalMs(expiresUtcTicks, nowUtcTicks, nowMs);
        var freshUntil = Math.Min(expiresMs, nowMs + (long)localExpiration.TotalMilliseconds);
        // With an L2, a copy past its local expiration is kept until its logical expiry so it can still be served
        // while L2 is unavailable; fail-safe keeps it longer still.
        var holdUntil = _failSafe
            ? expiresMs + (long)_options.FailSafeMaxDuration.TotalMilliseconds
            : _l2 is not null ? Math.Max(freshUntil, expiresMs) : freshUntil;
        var keepInstance = reusable || payload is null;
        return new CacheItem(
            typeof(T),
            keepInstance,
            keepInstance ? value : null,
            payload,
            serializer,
            createdUtcTicks,
            expiresUtcTicks,
            factoryDurationTicks,
            tags,
            freshUntil,
            holdUntil,
            expiresMs,
            serializedSize);
    }

    /// <summary>What <see cref="StoreAsync"/> did: the L1 item it created (when it got that far) and what became of its L2 step.</summary>
    private readonly record struct Stored(CacheItem? Item, L2Write L2);
}
