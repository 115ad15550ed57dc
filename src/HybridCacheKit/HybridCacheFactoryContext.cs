namespace HybridCacheKit;

/// <summary>
/// Handed to a factory passed to HybridCacheKit's context-aware <c>GetOrCreateAsync</c> overloads. The factory can use it
/// to change how its result is cached (expiration, tags) or to decline caching it, and to see the stale value fail-safe holds.
/// </summary>
public sealed class HybridCacheFactoryContext
{
    private readonly object? _staleValue;
    private List<string>? _tags;

    internal HybridCacheFactoryContext(TimeSpan expiration, TimeSpan localCacheExpiration, IReadOnlyList<string> tags, bool hasStaleValue, object? staleValue)
    {
        Expiration = expiration;
        LocalCacheExpiration = localCacheExpiration;
        InitialTags = tags;
        HasStaleValue = hasStaleValue;
        _staleValue = staleValue;
    }

    /// <summary>How long the result stays valid in the distributed tier (and in L1, unless <see cref="LocalCacheExpiration"/> is shorter).</summary>
    public TimeSpan Expiration { get; set; }

    /// <summary>How long the result stays valid in the in-process tier. Capped by <see cref="Expiration"/>.</summary>
    public TimeSpan LocalCacheExpiration { get; set; }

    /// <summary>The tags the result is stored with; starts as the tags passed to the call. Add or remove freely.</summary>
    public IList<string> Tags => _tags ??= new List<string>(InitialTags);

    /// <summary>Whether a stale (expired but still held by fail-safe) value exists for this key.</summary>
    public bool HasStaleValue { get; }

    /// <summary>Whether <see cref="DoNotCache"/> was called.</summary>
    public bool IsCachingDisabled { get; private set; }

    internal IReadOnlyList<string> InitialTags { get; }

    internal IReadOnlyList<string> EffectiveTags => _tags ?? InitialTags;

    /// <summary>Return the result to the caller(s) but store it in neither tier (for example a null or an error placeholder).</summary>
    public void DoNotCache() => IsCachingDisabled = true;

    /// <summary>Gets the stale value fail-safe holds for this key, for example to revalidate it cheaply (ETag, Last-Modified).</summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="value">The stale value, when there is one of type <typeparamref name="T"/>.</param>
    /// <returns><see langword="true"/> when a stale value of that type exists.</returns>
    public bool TryGetStaleValue<T>(out T value)
    {
        if (HasStaleValue && _staleValue is T typed)
        {
            value = typed;
            return true;
        }

        value = default!;
        return false;
    }
}
