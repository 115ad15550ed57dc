namespace HybridCacheKit.Internal.Envelope;

/// <summary>What the L2 envelope records about an entry besides its payload. Times are UTC ticks.</summary>
/// <param name="CreatedUtcTicks">When the value was produced; compared with tag invalidation times.</param>
/// <param name="ExpiresUtcTicks">The logical expiry: after it the entry is stale (usable only by fail-safe).</param>
/// <param name="FactoryDurationTicks">How long the factory took to produce the value; the delta of eager refresh.</param>
/// <param name="Tags">The entry's tags.</param>
internal readonly record struct EnvelopeMetadata(long CreatedUtcTicks, long ExpiresUtcTicks, long FactoryDurationTicks, string[] Tags);
