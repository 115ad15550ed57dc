using HybridCacheKit.Serialization.MessagePack.Formatters;

namespace HybridCacheKit.Serialization.MessagePack.Reflection;

/// <summary>The generic collection types with a formatter, keyed by their generic definition.</summary>
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

    public static Type? TryGetFormatterDefinition(Type genericDefinition) => s_definitions.GetValueOrDefault(genericDefinition);
}
