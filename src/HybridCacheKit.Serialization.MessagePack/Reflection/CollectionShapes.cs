using HybridCacheKit.Serialization.MessagePack.Formatters;

namespace HybridCacheKit.Serialization.MessagePack.Reflection;

/// <summary>
/// The generic collection types with a formatter, and those a get-only property can be refilled through, keyed by their
/// generic definition.
/// </summary>
internal static class CollectionShapes
{
    private static readonly Dictionary<Type, Type> s_definitions = new()
    {
        [typeof(List<>)] = typeof(ListFormatter<>),
        [typeof(HashSet<>)] = typeof(HashSetFormatter<>),
        [typeof(IEnumerable<>)] = typeof(CollectionInterfaceFormatter<>),
        [typeof(ICollection<>)] = typeof(CollectionInterfaceFormatter<>),
        [typeof(IList<>)] = typeof(CollectionInterfaceFormatter<>),
        [typeof(IReadOnlyCollection<>)] = typeof(CollectionInterfaceFormatter<>),
        [typeof(IReadOnlyList<>)] = typeof(CollectionInterfaceFormatter<>),
        [typeof(Dictionary<,>)] = typeof(DictionaryFormatter<,>),
        [typeof(IDictionary<,>)] = typeof(DictionaryInterfaceFormatter<,>),
        [typeof(IReadOnlyDictionary<,>)] = typeof(DictionaryInterfaceFormatter<,>),
    };

    // The shapes whose instance can be emptied and refilled: what a get-only property may be declared as and still be
    // read back, through its getter. Arrays have a fixed length, and IEnumerable<T> and the IReadOnly* interfaces no Add.
    private static readonly Dictionary<Type, Type> s_populators = new()
    {
        [typeof(List<>)] = typeof(CollectionPopulator<>),
        [typeof(HashSet<>)] = typeof(CollectionPopulator<>),
        [typeof(ICollection<>)] = typeof(CollectionPopulator<>),
        [typeof(IList<>)] = typeof(CollectionPopulator<>),
        [typeof(Dictionary<,>)] = typeof(DictionaryPopulator<,>),
        [typeof(IDictionary<,>)] = typeof(DictionaryPopulator<,>),
    };

    public static Type? TryGetFormatterDefinition(Type genericDefinition) => s_definitions.GetValueOrDefault(genericDefinition);

    /// <summary>
    /// The generic definition of the <see cref="IBoxedPopulator"/> that fills a get-only property of
    /// <paramref name="type"/>, or null when such a property cannot be read back.
    /// </summary>
    public static Type? TryGetPopulatorDefinition(Type type)
        => type.IsGenericType ? s_populators.GetValueOrDefault(type.GetGenericTypeDefinition()) : null;
}
