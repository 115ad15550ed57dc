using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using HybridCacheKit.Serialization.MessagePack.Formatters;

namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// The package's formatters, for generated code and for hand-written <see cref="IMessagePackFormatter{T}"/>
/// implementations that compose them. Every one is built without reflection. The wire form of each .NET type is
/// described in docs/messagepack.md.
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each property is named after the .NET type it formats.")]
public static class MessagePackFormatters
{
    private static readonly ConcurrentDictionary<Type, object> s_generated = new();

    /// <summary>true or false.</summary>
    public static IMessagePackFormatter<bool> Boolean => BooleanFormatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<byte> Byte => ByteFormatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<sbyte> SByte => SByteFormatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<short> Int16 => Int16Formatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<ushort> UInt16 => UInt16Formatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<int> Int32 => Int32Formatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<uint> UInt32 => UInt32Formatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<long> Int64 => Int64Formatter.Instance;

    /// <summary>An integer.</summary>
    public static IMessagePackFormatter<ulong> UInt64 => UInt64Formatter.Instance;

    /// <summary>float 32.</summary>
    public static IMessagePackFormatter<float> Single => SingleFormatter.Instance;

    /// <summary>float 64.</summary>
    public static IMessagePackFormatter<double> Double => DoubleFormatter.Instance;

    /// <summary>A UTF-8 string, nil for null.</summary>
    public static IMessagePackFormatter<string?> String => StringFormatter.Instance;

    /// <summary>A one-character string.</summary>
    public static IMessagePackFormatter<char> Char => CharFormatter.Instance;

    /// <summary>bin, nil for null.</summary>
    public static IMessagePackFormatter<byte[]?> Binary => ByteArrayFormatter.Instance;

    /// <summary>The invariant-culture string of the number, e.g. "249.90".</summary>
    public static IMessagePackFormatter<decimal> Decimal => DecimalFormatter.Instance;

    /// <summary>The 36-character lowercase string.</summary>
    public static IMessagePackFormatter<Guid> Guid => GuidFormatter.Instance;

    /// <summary>The timestamp extension (UTC).</summary>
    public static IMessagePackFormatter<DateTime> DateTime => DateTimeFormatter.Instance;

    /// <summary>The timestamp extension of the UTC instant; the offset is not kept.</summary>
    public static IMessagePackFormatter<DateTimeOffset> DateTimeOffset => DateTimeOffsetFormatter.Instance;

    /// <summary>The tick count (100 ns units) as an integer.</summary>
    public static IMessagePackFormatter<TimeSpan> TimeSpan => TimeSpanFormatter.Instance;

    /// <summary>An integer when the value fits int 64 or uint 64, otherwise a string of its decimal digits.</summary>
    public static IMessagePackFormatter<Int128> Int128 => Int128Formatter.Instance;

    /// <summary>An integer when the value fits uint 64, otherwise a string of its decimal digits.</summary>
    public static IMessagePackFormatter<UInt128> UInt128 => UInt128Formatter.Instance;

    /// <summary>An integer when the value fits int 64 or uint 64, otherwise a string of at most 4,300 decimal digits.</summary>
    public static IMessagePackFormatter<System.Numerics.BigInteger> BigInteger => BigIntegerFormatter.Instance;

    /// <summary>float 32, which holds every Half exactly.</summary>
    public static IMessagePackFormatter<Half> Half => HalfFormatter.Instance;

    /// <summary>The enum's underlying integer.</summary>
    /// <typeparam name="T">The enum.</typeparam>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<T> Enum<T>()
        where T : struct, System.Enum
        => EnumFormatter<T>.Instance;

    /// <summary>nil, or the value.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The value's formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<T?> Nullable<T>(IMessagePackFormatter<T> value)
        where T : struct
        => new NullableFormatter<T>(value);

    /// <summary>An array of the elements, nil for null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<T[]?> Array<T>(IMessagePackFormatter<T> element) => new ArrayFormatter<T>(element);

    /// <summary>An array of the elements, nil for null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<List<T>?> List<T>(IMessagePackFormatter<T> element) => new ListFormatter<T>(element);

    /// <summary>An array of the elements, nil for null.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<HashSet<T>?> HashSet<T>(IMessagePackFormatter<T> element) => new HashSetFormatter<T>(element);

    /// <summary>An array of the elements, nil for null; reads a <see cref="List{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<IEnumerable<T>?> Enumerable<T>(IMessagePackFormatter<T> element) => new CollectionInterfaceFormatter<T>(element);

    /// <summary>An array of the elements, nil for null; reads a <see cref="List{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<ICollection<T>?> Collection<T>(IMessagePackFormatter<T> element) => new CollectionInterfaceFormatter<T>(element);

    /// <summary>An array of the elements, nil for null; reads a <see cref="List{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<IList<T>?> ListInterface<T>(IMessagePackFormatter<T> element) => new CollectionInterfaceFormatter<T>(element);

    /// <summary>An array of the elements, nil for null; reads a <see cref="List{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<IReadOnlyCollection<T>?> ReadOnlyCollection<T>(IMessagePackFormatter<T> element) => new CollectionInterfaceFormatter<T>(element);

    /// <summary>An array of the elements, nil for null; reads a <see cref="List{T}"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="element">The element formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<IReadOnlyList<T>?> ReadOnlyList<T>(IMessagePackFormatter<T> element) => new CollectionInterfaceFormatter<T>(element);

    /// <summary>A map, nil for null.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="key">The key formatter.</param>
    /// <param name="value">The value formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<Dictionary<TKey, TValue>?> Dictionary<TKey, TValue>(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
        where TKey : notnull
        => new DictionaryFormatter<TKey, TValue>(key, value);

    /// <summary>A map, nil for null; reads a <see cref="Dictionary{TKey, TValue}"/>.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="key">The key formatter.</param>
    /// <param name="value">The value formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<IDictionary<TKey, TValue>?> DictionaryInterface<TKey, TValue>(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
        where TKey : notnull
        => new DictionaryInterfaceFormatter<TKey, TValue>(key, value);

    /// <summary>A map, nil for null; reads a <see cref="Dictionary{TKey, TValue}"/>.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="key">The key formatter.</param>
    /// <param name="value">The value formatter.</param>
    /// <returns>The formatter.</returns>
    public static IMessagePackFormatter<IReadOnlyDictionary<TKey, TValue>?> ReadOnlyDictionary<TKey, TValue>(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
        where TKey : notnull
        => new DictionaryInterfaceFormatter<TKey, TValue>(key, value);

    /// <summary>
    /// Reads a get-only collection property back, after the object is constructed: clears <paramref name="target"/>
    /// (the instance's collection, got through the getter) and adds <paramref name="items"/>; a null
    /// <paramref name="items"/> (nil in the payload) leaves it empty. Called by generated formatters.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="target">The collection the getter returned.</param>
    /// <param name="items">The elements read from the payload, or null for nil.</param>
    /// <param name="owner">The type that declares the property, named in the exception.</param>
    /// <param name="member">The property, named in the exception.</param>
    /// <exception cref="MessagePackSerializationException">
    /// <paramref name="target"/> is null while the payload has elements for it, or read-only and holding other elements.
    /// </exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void PopulateCollection<T>(ICollection<T>? target, IEnumerable<T>? items, Type owner, string member)
        => GetOnlyCollections.PopulateCollection(target, items, owner, member);

    /// <summary>
    /// Reads a get-only dictionary property back, after the object is constructed: clears <paramref name="target"/>
    /// and sets each of <paramref name="items"/> (a key seen twice keeps the last value); a null
    /// <paramref name="items"/> (nil in the payload) leaves it empty. Called by generated formatters.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="target">The dictionary the getter returned.</param>
    /// <param name="items">The pairs read from the payload, or null for nil.</param>
    /// <param name="owner">The type that declares the property, named in the exception.</param>
    /// <param name="member">The property, named in the exception.</param>
    /// <exception cref="MessagePackSerializationException">
    /// <paramref name="target"/> is null while the payload has pairs for it, or read-only and holding other pairs.
    /// </exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void PopulateDictionary<TKey, TValue>(IDictionary<TKey, TValue>? target, IEnumerable<KeyValuePair<TKey, TValue>>? items, Type owner, string member)
        => GetOnlyCollections.PopulateDictionary(target, items, owner, member);

    /// <summary>
    /// The generated formatter of a type marked <see cref="GenerateMessagePackAttribute"/> in another assembly,
    /// looked up when first used (that assembly registers it when it loads).
    /// </summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <returns>A formatter that forwards to the registered one.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static IMessagePackFormatter<T> Generated<T>() => new DeferredGeneratedFormatter<T>();

    /// <summary>Registers the generated formatter of <typeparamref name="T"/>; called by generated module initializers.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="formatter">Its formatter.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void RegisterGenerated<T>(IMessagePackFormatter<T> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        s_generated[typeof(T)] = formatter;
    }

    internal static IMessagePackFormatter<T>? FindGenerated<T>()
        => s_generated.TryGetValue(typeof(T), out var formatter) ? (IMessagePackFormatter<T>)formatter : null;

    internal static object? FindGenerated(Type type) => s_generated.TryGetValue(type, out var formatter) ? formatter : null;

    private sealed class DeferredGeneratedFormatter<T> : IMessagePackFormatter<T>
    {
        private IMessagePackFormatter<T>? _inner;

        public void Serialize(ref MessagePackWriter writer, T value) => Inner.Serialize(ref writer, value);

        public T Deserialize(ref MessagePackReader reader) => Inner.Deserialize(ref reader);

        private IMessagePackFormatter<T> Inner => _inner ??= FindGenerated<T>()
            ?? throw new MessagePackSerializationException($"No generated MessagePack formatter is registered for '{typeof(T)}'; is its assembly built with the HybridCacheKit.Serialization.MessagePack generator?");
    }
}
