namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Evicts cached entries by tag or key from application code, over the registered <c>HybridCache</c>. With the Redis
/// package every node stops serving the evicted entries: L2 holds the tag records and the backplane evicts the other
/// nodes' L1 copies (within the backplane's lag). Registered by <c>services.AddCacheInvalidator()</c> and by
/// <c>services.AddDistributedResponseCache()</c>; a singleton, safe to use concurrently.
/// </summary>
/// <remarks>
/// Arguments are checked before anything is evicted: an empty value, a control character or a lone surrogate is an
/// <see cref="ArgumentException"/>, and so is the tag <c>"*"</c> (use <see cref="InvalidateAllAsync"/>, so that
/// clearing everything is never the accident of a tag built from input) and a key with the engine's reserved
/// <c>__hck:</c> prefix. Tags and keys are never written to logs unless the engine's <c>IncludeKeysInLogs</c> is on.
/// </remarks>
public interface ICacheInvalidator
{
    /// <summary>Invalidates every entry carrying <paramref name="tag"/>.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="cancellationToken">Cancels the wait; an invalidation already recorded stays recorded.</param>
    /// <returns>Completes when this node has recorded the invalidation and handed it to L2 and the backplane.</returns>
    ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default);

    /// <summary>Invalidates every entry carrying any of <paramref name="tags"/>. Every tag is checked before any is invalidated.</summary>
    /// <param name="tags">The tags; duplicates are invalidated once.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when every tag has been handed on.</returns>
    ValueTask InvalidateTagsAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default);

    /// <summary>Removes one entry by its cache key, from L1, L2 and (through the backplane) every node's L1.</summary>
    /// <param name="key">The cache key, as passed to <c>GetOrCreateAsync</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the entry has been removed here and in L2.</returns>
    ValueTask InvalidateKeyAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes several entries by key. Every key is checked before any is removed.</summary>
    /// <param name="keys">The cache keys; duplicates are removed once.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when every entry has been removed.</returns>
    ValueTask InvalidateKeysAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default);

    /// <summary>
    /// Invalidates every entry of the cache, on every node (<c>RemoveByTagAsync("*")</c>). Every value is recomputed on
    /// its next read, so expect a burst of factory runs.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the invalidation has been handed on.</returns>
    ValueTask InvalidateAllAsync(CancellationToken cancellationToken = default);
}
