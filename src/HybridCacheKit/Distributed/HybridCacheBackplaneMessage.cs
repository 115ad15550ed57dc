namespace HybridCacheKit.Distributed;

/// <summary>A change announced through the backplane.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Subject">The key (for <see cref="HybridCacheBackplaneMessageKind.KeyChanged"/> and <see cref="HybridCacheBackplaneMessageKind.KeyRemoved"/>) or the tag (<see cref="HybridCacheBackplaneMessageKind.TagInvalidated"/>; <c>*</c> means everything).</param>
/// <param name="StampUtcTicks">When the change was made, in UTC ticks of the sender's clock; for a tag, its invalidation stamp.</param>
public readonly record struct HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind Kind, string Subject, long StampUtcTicks);

/// <summary>The kinds of <see cref="HybridCacheBackplaneMessage"/>.</summary>
public enum HybridCacheBackplaneMessageKind
{
    /// <summary>A key was set: other instances drop their L1 copy and read the new value from L2 on next use.</summary>
    KeyChanged = 1,

    /// <summary>A key was removed.</summary>
    KeyRemoved = 2,

    /// <summary>A tag was invalidated at <see cref="HybridCacheBackplaneMessage.StampUtcTicks"/>.</summary>
    TagInvalidated = 3,
}
