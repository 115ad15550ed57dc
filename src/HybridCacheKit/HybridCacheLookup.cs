namespace HybridCacheKit;

/// <summary>The result of a read that runs no factory: whether the key was found, and its value.</summary>
/// <typeparam name="T">The cached type.</typeparam>
public readonly struct HybridCacheLookup<T>
{
    internal HybridCacheLookup(T value)
    {
        Found = true;
        Value = value;
    }

    /// <summary>Whether a valid (unexpired, not invalidated) entry was found in L1 or L2.</summary>
    public bool Found { get; }

    /// <summary>The value when <see cref="Found"/> is <see langword="true"/>; otherwise the default of <typeparamref name="T"/>.</summary>
    public T? Value { get; }

    /// <summary>Gets the value when it was found.</summary>
    /// <param name="value">The value, or the default of <typeparamref name="T"/>.</param>
    /// <returns><see cref="Found"/>.</returns>
    public bool TryGetValue(out T value)
    {
        value = Value!;
        return Found;
    }
}
