using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Internal;

/// <summary>
/// One L1 entry. It holds the instance itself for types that are safe to share (value types, strings, sealed
/// <c>[ImmutableObject(true)]</c> types, or any type when <c>ReuseMutableInstances</c> is on) and the serialized bytes
/// for the rest, which are deserialized on each hit so callers never share a mutable object.
/// </summary>
internal sealed class CacheItem
{
    private readonly object? _instance;
    private readonly byte[]? _payload;
    private readonly object? _serializer;
    private readonly long _serializedSize;

    public CacheItem(
        Type valueType,
        bool hasInstance,
        object? instance,
        byte[]? payload,
        object? serializer,
        long createdUtcTicks,
        long expiresUtcTicks,
        long factoryDurationTicks,
        string[] tags,
        long freshUntilMs,
        long holdUntilMs,
        long expiresMs,
        long serializedSize = 0)
    {
        ValueType = valueType;
        HasInstance = hasInstance;
        _instance = instance;
        _payload = payload;
        _serializer = serializer;
        CreatedUtcTicks = createdUtcTicks;
        ExpiresUtcTicks = expiresUtcTicks;
        FactoryDurationTicks = factoryDurationTicks;
        Tags = tags;
        FreshUntilMs = freshUntilMs;
        HoldUntilMs = holdUntilMs;
        ExpiresMs = expiresMs;
        ValidatedStamp = createdUtcTicks;
        _serializedSize = payload?.Length ?? serializedSize;
    }

    public Type ValueType { get; }

    public bool HasInstance { get; }

    /// <summary>The serialized value, when the entry keeps one (mutable types; also used to refill L2).</summary>
    public byte[]? Payload => _payload;

    /// <summary>Creation stamp, UTC ticks; compared with tag invalidation stamps.</summary>
    public long CreatedUtcTicks { get; }

    /// <summary>Logical expiry, UTC ticks.</summary>
    public long ExpiresUtcTicks { get; }

    public long FactoryDurationTicks { get; }

    public string[] Tags { get; }

    /// <summary>Until when (monotonic ms) L1 may answer with this entry without asking L2.</summary>
    public long FreshUntilMs { get; }

    /// <summary>Until when (monotonic ms) the entry is kept at all: past <see cref="FreshUntilMs"/> it only serves fail-safe.</summary>
    public long HoldUntilMs { get; }

    /// <summary>Logical expiry on the monotonic clock.</summary>
    public long ExpiresMs { get; }

    /// <summary>
    /// The engine's L1 epoch when this item was put in L1. The epoch moves when the backplane disconnects or
    /// reconnects; an item from an older epoch is no longer fresh (invalidations may have been missed) and is revalidated
    /// against L2 before it is served again.
    /// </summary>
#pragma warning disable CA1051, SA1401 // fields for Volatile access
    public int Epoch;

    /// <summary>
    /// A process-local stamp at or before which this item was last checked against every tag invalidation: its creation
    /// stamp for a factory value, the start of the remote tag check for a value read from L2. Compared with the engine's
    /// tag overflow stamp, which stands in for the individual invalidation records dropped when too many were tracked.
    /// </summary>
    public long ValidatedStamp;

    /// <summary>When L1 last served this item (monotonic ms, coarse); the order of LRU compaction.</summary>
    public long LastAccessMs;
#pragma warning restore CA1051, SA1401

    /// <summary>
    /// The L1 size charge: the serialized size plus a fixed overhead. An item that holds the instance is charged the
    /// size its value serialized to when it was stored or read from L2; only an instance that was never serialized (no
    /// L2 write, reusable type) is charged the overhead alone.
    /// </summary>
    public long Size => _serializedSize + 160 + (Tags.Length * 32);

    public T GetValue<T>()
    {
        if (HasInstance)
        {
            return (T)_instance!;
        }

        return ((IHybridCacheSerializer<T>)_serializer!).Deserialize(new ReadOnlySequence<byte>(_payload!));
    }

    /// <summary>Whether the value can be handed out as the shared instance (no deserialization).</summary>
    public object? Instance => _instance;

    public CacheItem WithFreshness(long freshUntilMs, long holdUntilMs)
        => new(ValueType, HasInstance, _instance, _payload, _serializer, CreatedUtcTicks, ExpiresUtcTicks, FactoryDurationTicks, Tags, freshUntilMs, holdUntilMs, ExpiresMs, _serializedSize)
        {
            ValidatedStamp = ValidatedStamp,
        };
}
