namespace HybridCacheKit.Distributed;

/// <summary>
/// Optionally implemented by the L2 <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> to say,
/// without making a call, that a call made now would fail at once: for example while its circuit breaker rejects calls
/// during an outage. The engine then treats the L2 operation as failed (fail-safe, L1 and the factory serve the caller)
/// without calling it, so an outage costs no exception per operation.
/// </summary>
/// <remarks>
/// Report <see langword="true"/> whenever a call might be attempted, including the probe that tests whether the
/// outage is over: the engine does not call an unavailable L2 at all, so it relies on this property turning
/// <see langword="true"/> again by itself.
/// </remarks>
public interface IHybridCacheDistributedCacheAvailability
{
    /// <summary>Whether a call made now would be attempted.</summary>
    bool IsAvailable { get; }
}
