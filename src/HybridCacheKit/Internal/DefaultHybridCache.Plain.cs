using System.Buffers;

namespace HybridCacheKit.Internal;

// HybridCacheL2Format.Plain: L2 holds the serialized value alone, its lifetime is the L2 TTL. A value read back has no
// known creation time or tags: it is treated as created when read (so earlier local tag invalidations do not apply to
// it) and as valid for the call's Expiration, within the L1 rules.
internal sealed partial class DefaultHybridCache
{
    private L2Read<T> ReadPlain<T>(string key, ReadOnlyMemory<byte> data, EntrySettings settings)
    {
        if (data.Length > _options.MaximumPayloadBytes)
        {
            _metrics.InvalidPayload();
            _metrics.L2Miss();
            Log.InvalidPayload(_logger, Envelope.EnvelopeReadStatus.PayloadTooLarge, LogKey(key));
            return default;
        }

        var serializer = _serializers.GetSerializer<T>();
        T value;
        try
        {
            value = serializer.Deserialize(new ReadOnlySequence<byte>(data));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _metrics.InvalidPayload();
            _metrics.L2Miss();
            Log.DeserializationFailed(_logger, ex, typeof(T).FullName ?? typeof(T).Name, LogKey(key));
            return default;
        }

        var nowUtc = _clock.UtcNowTicks();
        var reusable = IsReusable<T>();
        var item = CreateItem(value, reusable, reusable ? null : data.ToArray(), serializer, _clock.NextStamp(), nowUtc + settings.Expiration.Ticks, 0, [], settings.LocalExpiration, nowUtc, data.Length);
        _metrics.L2Hit();
        return new L2Read<T>(item, value, IsFresh: true, Failed: false);
    }
}
