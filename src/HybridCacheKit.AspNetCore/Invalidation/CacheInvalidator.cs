using HybridCacheKit.AspNetCore.Internal;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>
/// <see cref="ICacheInvalidator"/> over <see cref="HybridCache"/>; also the single path through which the middleware
/// and the admin endpoints evict, so every eviction is logged the same way. Holds no per-call state.
/// </summary>
internal sealed class CacheInvalidator(HybridCache cache, bool includeKeysInLogs, ILogger<CacheInvalidator> logger) : ICacheInvalidator
{
    // Application code is trusted with length (the engine accepts long tags, and an entry tagged with one must stay
    // evictable); the admin endpoints apply their own, shorter limits.
    private const int UnboundedLength = int.MaxValue;

    /// <summary>Whether logs may show tags and keys (the engine's IncludeKeysInLogs).</summary>
    public bool IncludeKeysInLogs { get; } = includeKeysInLogs;

    public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ThrowIfInvalid(CacheInputValidation.CheckTag(tag, UnboundedLength), nameof(tag));
        return RemoveTagsAsync([tag], cancellationToken);
    }

    public ValueTask InvalidateTagsAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var list = Distinct(tags, CacheInputValidation.CheckTag, nameof(tags));
        return list.Count == 0 ? ValueTask.CompletedTask : RemoveTagsAsync(list, cancellationToken);
    }

    public async ValueTask InvalidateKeyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfInvalid(CacheInputValidation.CheckKey(key, UnboundedLength), nameof(key));
        await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        InvalidationLog.KeysRemoved(logger, 1, InvalidationLog.LogValues([key], IncludeKeysInLogs));
    }

    public async ValueTask InvalidateKeysAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = Distinct(keys, CacheInputValidation.CheckKey, nameof(keys));
        if (list.Count == 0)
        {
            return;
        }

        await cache.RemoveAsync(list, cancellationToken).ConfigureAwait(false);
        InvalidationLog.KeysRemoved(logger, list.Count, InvalidationLog.LogValues(list, IncludeKeysInLogs));
    }

    public async ValueTask InvalidateAllAsync(CancellationToken cancellationToken = default)
    {
        await cache.RemoveByTagAsync("*", cancellationToken).ConfigureAwait(false);
        InvalidationLog.AllInvalidated(logger);
    }

    /// <summary>
    /// Invalidates tags that are already known to be valid: resolved by <see cref="TagTemplate"/> or checked by the
    /// admin endpoints. A literal <c>"*"</c> template is allowed through on purpose.
    /// </summary>
    public async ValueTask RemoveTagsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        if (tags.Count == 1)
        {
            await cache.RemoveByTagAsync(tags[0], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await cache.RemoveByTagAsync(tags, cancellationToken).ConfigureAwait(false);
        }

        InvalidationLog.TagsInvalidated(logger, tags.Count, InvalidationLog.LogValues(tags, IncludeKeysInLogs));
    }

    /// <summary>Removes keys that the admin endpoints already checked.</summary>
    public ValueTask RemoveKeysAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        => keys.Count == 1 ? cache.RemoveAsync(keys[0], cancellationToken) : cache.RemoveAsync(keys, cancellationToken);

    private static List<string> Distinct(IEnumerable<string> values, Func<string?, int, string?> check, string parameterName)
    {
        var list = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            ThrowIfInvalid(check(value, UnboundedLength), parameterName);
            if (seen.Add(value))
            {
                list.Add(value);
            }
        }

        return list;
    }

    private static void ThrowIfInvalid(string? reason, string parameterName)
    {
        if (reason is not null)
        {
            throw new ArgumentException($"Cannot invalidate: {reason}.", parameterName);
        }
    }
}
