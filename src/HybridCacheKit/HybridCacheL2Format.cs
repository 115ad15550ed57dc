namespace HybridCacheKit;

/// <summary>How the engine writes values to L2.</summary>
public enum HybridCacheL2Format
{
    /// <summary>
    /// The versioned binary envelope (docs/wire-format.md): creation time, logical expiry, tags, a key check and a checksum
    /// around the serialized value. Needed for tag invalidation across instances, fail-safe from L2 and corruption detection.
    /// </summary>
    Envelope = 0,

    /// <summary>
    /// The serialized value alone, with the L2's own TTL as its lifetime, so services in other languages sharing the L2 read
    /// and write the same keys (for Redis, combine with <c>RedisValueLayout.PlainString</c>). What it gives up: tags and the
    /// logical expiry live outside the value, so <c>RemoveByTagAsync</c> reaches L1 copies (and, with a backplane, other
    /// instances' L1 copies) but not L2 values; fail-safe cannot use L2 values; corrupt bytes are detected only when the
    /// deserializer rejects them; compression is off.
    /// </summary>
    Plain = 1,
}
