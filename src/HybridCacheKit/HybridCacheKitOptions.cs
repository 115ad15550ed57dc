using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit;

/// <summary>
/// Settings for the HybridCacheKit engine. Every setting has a safe default; the features that go beyond
/// Microsoft's <c>HybridCache</c> (fail-safe, factory timeouts, eager refresh, jitter, compression) are off
/// until you turn them on.
/// </summary>
public sealed class HybridCacheKitOptions
{
    /// <summary>The entry options used when a call passes none, and to fill the parts a call leaves unset.</summary>
    /// <value>Defaults to <see langword="null"/>, which means an expiration of 5 minutes in both tiers.</value>
    public HybridCacheEntryOptions? DefaultEntryOptions { get; set; }

    /// <summary>The largest serialized value that is cached. A larger value is returned to the caller but not stored.</summary>
    /// <value>Defaults to 1 MiB (1,048,576 bytes).</value>
    public long MaximumPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>The longest key that is cached. A longer key bypasses the cache: the factory runs and nothing is stored.</summary>
    /// <value>Defaults to 1,024 characters.</value>
    public int MaximumKeyLength { get; set; } = 1024;

    /// <summary>An upper bound on the memory the in-process (L1) tier may use, counted as the serialized size of each entry plus a fixed overhead.</summary>
    /// <value>Defaults to <see langword="null"/>: no bound other than each entry's expiration.</value>
    public long? LocalCacheSizeLimitBytes { get; set; }

    /// <summary>
    /// When <see langword="true"/>, L1 keeps and returns the same instance for every type, not only for value types,
    /// strings and sealed types marked <c>[ImmutableObject(true)]</c>. Faster, but every caller then shares one object:
    /// a caller that mutates it changes what everyone else reads.
    /// </summary>
    /// <value>Defaults to <see langword="false"/> (mutable types are deserialized on each hit, as Microsoft does).</value>
    public bool ReuseMutableInstances { get; set; }

    /// <summary>How values are written to L2: the binary envelope, or the plain serialized value that other languages can share.</summary>
    /// <value>Defaults to <see cref="HybridCacheL2Format.Envelope"/>.</value>
    public HybridCacheL2Format L2Format { get; set; } = HybridCacheL2Format.Envelope;

    /// <summary>Compress L2 payloads larger than <see cref="CompressionThresholdBytes"/> with Brotli.</summary>
    /// <value>Defaults to <see langword="false"/>. A call can still opt out with <see cref="HybridCacheEntryFlags.DisableCompression"/>.</value>
    public bool EnableCompression { get; set; }

    /// <summary>Payloads smaller than this are never compressed.</summary>
    /// <value>Defaults to 1,024 bytes.</value>
    public int CompressionThresholdBytes { get; set; } = 1024;

    /// <summary>The Brotli level used when compressing.</summary>
    /// <value>Defaults to <see cref="System.IO.Compression.CompressionLevel.Fastest"/>.</value>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>How long one L2 operation may take before the engine gives up on it and carries on with L1 and the factory.</summary>
    /// <value>Defaults to 500 milliseconds.</value>
    public TimeSpan DistributedCacheTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Serve the last known value, past its expiration, when the factory throws or hits its hard timeout.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool EnableFailSafe { get; set; }

    /// <summary>How long past its expiration a value is kept so that fail-safe can still serve it.</summary>
    /// <value>Defaults to 1 hour.</value>
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>After fail-safe served a stale value, how long that value is reused before the factory is tried again.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan FailSafeThrottleDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When a stale value is available (fail-safe on), callers wait at most this long for the factory; after that they
    /// get the stale value while the factory finishes in the background and refreshes the cache.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (wait for the factory).</value>
    public TimeSpan? FactorySoftTimeout { get; set; }

    /// <summary>
    /// The longest a factory run may take. At this point its cancellation token is cancelled and callers get the stale
    /// value (fail-safe) or a <see cref="TimeoutException"/>.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (no limit).</value>
    public TimeSpan? FactoryHardTimeout { get; set; }

    /// <summary>
    /// The β of probabilistic early recomputation (XFetch): a hit triggers a background refresh when
    /// <c>now - delta * β * ln(rand()) &gt;= expiry</c>, where delta is the last factory duration. 0 turns it off; 1 is the
    /// usual choice; larger values refresh earlier.
    /// </summary>
    /// <value>Defaults to 0 (off).</value>
    public double EagerRefreshBeta { get; set; }

    /// <summary>A random extra duration, between zero and this value, added to each entry's expiration so that entries written together do not all expire together.</summary>
    /// <value>Defaults to <see cref="TimeSpan.Zero"/> (no jitter).</value>
    public TimeSpan ExpirationJitter { get; set; }

    /// <summary>
    /// How long a tag's invalidation time, read from L2, is trusted before it is read again. Zero means every L2 hit
    /// re-reads the invalidation times of the entry's tags, so an invalidation made by another instance is honoured as
    /// soon as the local L1 copy expires. A backplane keeps this state current and allows a longer value.
    /// </summary>
    /// <value>Defaults to <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan TagStateCacheDuration { get; set; }

    /// <summary>
    /// How long a tag invalidation is remembered in L2. Entries are never stored in L2 for longer than this, so an
    /// invalidated entry cannot outlive the record of its invalidation.
    /// </summary>
    /// <value>Defaults to 30 days.</value>
    public TimeSpan TagInvalidationRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Replay, once L2 is reachable again, the changes (<c>SetAsync</c>, <c>RemoveAsync</c>, <c>RemoveByTagAsync</c>)
    /// whose L2 write or backplane message failed. A change whose L2 write failed is replayed as a removal of the key
    /// from L2 and from every instance's L1 (or, for a tag, as a new invalidation record); one whose only failure was
    /// the backplane message has its message sent again. Without it, other instances keep serving the value from
    /// before such a change until their copy expires.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>. Has no effect without an L2.</value>
    public bool EnableAutoRecovery { get; set; } = true;

    /// <summary>
    /// The most changes waiting for replay. Changes of one key (or one tag) count once, the latest standing for all.
    /// A change made while the queue is full is not queued: it is logged and counted
    /// (<c>hybridcache.recovery.dropped</c>), and other instances learn of it only when their copy expires.
    /// </summary>
    /// <value>Defaults to 10,000.</value>
    public int AutoRecoveryMaxChanges { get; set; } = 10_000;

    /// <summary>How often queued changes are retried while L2 is still failing. A reconnected backplane triggers a retry at once.</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan AutoRecoveryRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The System.Text.Json settings of the built-in JSON serializer (which handles every type without a more specific serializer).</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="JsonSerializerDefaults.General"/> plus <c>IncludeFields = true</c> (so value tuples and field-only types round-trip). Types covered by a context added with <c>AddJsonSerializerContext</c> use that context instead.</value>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>Write cache keys into log messages. Keys often carry user or tenant ids, so this is for debugging only.</summary>
    /// <value>Defaults to <see langword="false"/>: logs show <c>[redacted]</c> in place of keys.</value>
    public bool IncludeKeysInLogs { get; set; }
}
