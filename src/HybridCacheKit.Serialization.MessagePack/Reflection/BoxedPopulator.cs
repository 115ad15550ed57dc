using HybridCacheKit.Serialization.MessagePack.Formatters;

namespace HybridCacheKit.Serialization.MessagePack.Reflection;

/// <summary>
/// Fills a get-only collection property behind an object-typed face, so reflection code can call the typed helper
/// (the one generated formatters call) without knowing the element types.
/// </summary>
internal interface IBoxedPopulator
{
    /// <param name="target">What the property's getter returned.</param>
    /// <param name="items">The collection read from the payload, or null for nil.</param>
    /// <param name="owner">The type that declares the property.</param>
    /// <param name="member">The property's name.</param>
    void Populate(object? target, object? items, Type owner, string member);
}

internal sealed class CollectionPopulator<T> : IBoxedPopulator
{
    public void Populate(object? target, object? items, Type owner, string member)
        => GetOnlyCollections.PopulateCollection((ICollection<T>?)target, (IEnumerable<T>?)items, owner, member);
}

internal sealed class DictionaryPopulator<TKey, TValue> : IBoxedPopulator
{
    public void Populate(object? target, object? items, Type owner, string member)
        => GetOnlyCollections.PopulateDictionary((IDictionary<TKey, TValue>?)target, (IEnumerable<KeyValuePair<TKey, TValue>>?)items, owner, member);
}
