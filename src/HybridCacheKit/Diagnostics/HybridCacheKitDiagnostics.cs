namespace HybridCacheKit.Diagnostics;

/// <summary>The names under which HybridCacheKit publishes metrics and traces, for OpenTelemetry and <c>dotnet-counters</c>.</summary>
public static class HybridCacheKitDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> of the engine.</summary>
    public const string MeterName = "HybridCacheKit";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> of the engine. Its activities flow into factories.</summary>
    public const string ActivitySourceName = "HybridCacheKit";

    /// <summary>Counter of lookups answered by a tier; tag <see cref="TierTag"/> is <c>l1</c> or <c>l2</c>.</summary>
    public const string Hits = "hybridcache.hits";

    /// <summary>Counter of lookups a tier could not answer; tag <see cref="TierTag"/> is <c>l1</c> or <c>l2</c>.</summary>
    public const string Misses = "hybridcache.misses";

    /// <summary>Counter of factory runs.</summary>
    public const string FactoryRuns = "hybridcache.factory.runs";

    /// <summary>Counter of factory runs that threw or timed out.</summary>
    public const string FactoryErrors = "hybridcache.factory.errors";

    /// <summary>Histogram of factory durations, in seconds.</summary>
    public const string FactoryDuration = "hybridcache.factory.duration";

    /// <summary>Counter of callers that joined a run already in progress for the same key instead of starting their own.</summary>
    public const string StampedeJoins = "hybridcache.stampede.joins";

    /// <summary>
    /// Counter of failed or timed-out L2 operations; tag <see cref="OperationTag"/> names the operation. Operations not
    /// attempted because the L2 reported itself unavailable (an open circuit breaker) carry
    /// <see cref="ErrorTypeTag"/> = <see cref="ErrorTypeUnavailable"/>.
    /// </summary>
    public const string DistributedErrors = "hybridcache.l2.errors";

    /// <summary>Histogram of L2 operation durations, in seconds; tag <see cref="OperationTag"/> names the operation.</summary>
    public const string DistributedDuration = "hybridcache.l2.duration";

    /// <summary>Counter of L2 payloads rejected as corrupt, truncated, foreign or of an unknown version (each is treated as a miss).</summary>
    public const string InvalidPayloads = "hybridcache.l2.invalid_payloads";

    /// <summary>Histogram of serialized payload sizes written, in bytes.</summary>
    public const string PayloadSize = "hybridcache.payload.size";

    /// <summary>Counter of values returned to callers but not cached because they were larger than the limit.</summary>
    public const string OversizedValues = "hybridcache.payload.oversized";

    /// <summary>Counter of stale values served by fail-safe or after a soft timeout.</summary>
    public const string StaleServed = "hybridcache.failsafe.stale_served";

    /// <summary>Counter of background refreshes started by eager refresh.</summary>
    public const string EagerRefreshes = "hybridcache.eager_refresh.runs";

    /// <summary>Counter of calls whose key was invalid or too long and so bypassed the cache.</summary>
    public const string KeyRejections = "hybridcache.key.rejected";

    /// <summary>Counter of tag invalidations made through this instance.</summary>
    public const string TagInvalidations = "hybridcache.tag.invalidations";

    /// <summary>Counter: times the tag states reached their limit and were replaced by the overflow stamp (a flood of distinct tags).</summary>
    public const string TagStateCompactions = "hybridcache.tag.state_compactions";

    /// <summary>Counter of waits for another instance that holds the distributed lock of a key.</summary>
    public const string LockWaits = "hybridcache.lock.waits";

    /// <summary>Counter of waits for another instance that exceeded the lock's wait timeout (the factory then ran locally).</summary>
    public const string LockWaitTimeouts = "hybridcache.lock.wait_timeouts";

    /// <summary>Counter of backplane messages received from other instances.</summary>
    public const string BackplaneMessages = "hybridcache.backplane.messages";

    /// <summary>Histogram of backplane lag: from the change on the sending instance to its arrival here, in seconds.</summary>
    public const string BackplaneLag = "hybridcache.backplane.lag";

    /// <summary>Counter of backplane messages that could not be sent.</summary>
    public const string BackplanePublishFailures = "hybridcache.backplane.publish_failures";

    /// <summary>
    /// Counter of values L1 did not store because their key was not used often enough to enter a nearly full L1
    /// (admission, with <see cref="HybridCacheKitOptions.LocalCacheSizeLimitBytes"/> and an L2).
    /// </summary>
    public const string L1AdmissionRejections = "hybridcache.l1.admission_rejections";

    /// <summary>
    /// Counter of changes queued for replay because their L2 write or backplane message failed
    /// (<see cref="HybridCacheKitOptions.EnableAutoRecovery"/>). A change of a key already queued counts again.
    /// </summary>
    public const string RecoveryQueued = "hybridcache.recovery.queued";

    /// <summary>The tag of <see cref="RecoveryQueued"/> naming what changed: <c>key</c> or <c>tag</c>.</summary>
    public const string RecoverySubjectTag = "hybridcache.recovery.subject";

    /// <summary>
    /// The tag of <see cref="RecoveryQueued"/> naming the replay: <c>invalidate</c> (the L2 write failed: remove the key, or
    /// write a new tag record) or <c>announce</c> (only the backplane message failed: send it again).
    /// </summary>
    public const string RecoveryActionTag = "hybridcache.recovery.action";

    /// <summary>Counter of queued changes replayed once L2 (and the backplane) accepted them.</summary>
    public const string RecoveryReplayed = "hybridcache.recovery.replayed";

    /// <summary>Observable gauge: changes waiting for replay now (one per key or tag).</summary>
    public const string RecoveryPending = "hybridcache.recovery.pending";

    /// <summary>Counter of changes not queued because <see cref="HybridCacheKitOptions.AutoRecoveryMaxChanges"/> were already waiting.</summary>
    public const string RecoveryDropped = "hybridcache.recovery.dropped";

    /// <summary>The tag naming a tier (<c>l1</c>, <c>l2</c>).</summary>
    public const string TierTag = "hybridcache.tier";

    /// <summary>The tag naming an L2 operation (<c>get</c>, <c>set</c>, <c>remove</c>, <c>tag_get</c>, <c>tag_set</c>).</summary>
    public const string OperationTag = "hybridcache.operation";

    /// <summary>The tag classifying an error (OpenTelemetry's <c>error.type</c>).</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>
    /// <see cref="ErrorTypeTag"/> of an L2 operation the engine did not attempt because the L2 reported itself unavailable
    /// (<see cref="Distributed.IHybridCacheDistributedCacheAvailability"/>).
    /// </summary>
    public const string ErrorTypeUnavailable = "unavailable";
}
