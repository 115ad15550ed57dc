using HybridCacheKit.Serialization.MessagePack.Reflection;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

/// <summary>
/// Get-only collection properties are written and, on read, populated through the getter; before, they were not
/// written and came back empty from the cache, with no error. Theories run each case on the generated formatter and
/// on the reflection path built for the same type.
/// </summary>
public sealed class GetOnlyCollectionTests
{
    public static TheoryData<bool> Paths() => [true, false];

    [Fact]
    public void RoundTrip_GetOnlyListAndDictionary_ReflectionPopulatesThem()
    {
        var copy = Mp.RoundTrip(Order());

        Assert.Equal(7, copy.Id);
        Assert.Equal([("A-1", 2), ("B-2", 1)], copy.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal(new Dictionary<string, string> { ["gift"] = "yes" }, copy.Meta);
    }

    [Fact]
    public void RoundTrip_GetOnlyListAndDictionary_GeneratedPopulatesThem()
    {
        // The generated twin reads the reflection path's payload populated, and writes it back byte for byte.
        var payload = Mp.Serialize(Order());

        var copy = Mp.Deserialize<GenGetOnlyOrder>(payload);

        Assert.Equal(7, copy.Id);
        Assert.Equal([("A-1", 2), ("B-2", 1)], copy.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal(new Dictionary<string, string> { ["gift"] = "yes" }, copy.Meta);
        Assert.Equal(payload, Mp.Serialize(copy));
    }

    [Fact]
    public void Serialize_GetOnlyCollections_GeneratedBytesEqualReflectionBytes()
    {
        var order = new GenGetOnlyOrder { Id = 1 };
        order.Lines.Add(new GenGetOnlyLine { Sku = "s", Quantity = 3 });
        order.Meta["k"] = "v";
        var compact = new GenGetOnlyCompact { Id = 2 };
        compact.Values.Add(5);
        var value = new GenGetOnlyStruct { Id = 3 };
        value.Names.Add("n");

        Assert.Equal(Write(false, order), Write(true, order));
        Assert.Equal(Write(false, Shapes()), Write(true, Shapes()));
        Assert.Equal(Write(false, compact), Write(true, compact));
        Assert.Equal(Write(false, value), Write(true, value));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RoundTrip_EveryFillableShape_PopulatedAndUnfillableOnesNotWritten(bool generated)
    {
        var bytes = Write(generated, Shapes());
        var copy = Read<GenGetOnlyShapes>(generated, bytes);

        Assert.Equal(9, copy.Id);
        Assert.Equal([1, 2], copy.List);
        Assert.Equal(["a", "b"], copy.Set.Order());
        Assert.Equal(new Dictionary<string, int> { ["x"] = 1 }, copy.Scores);
        Assert.Equal([10L], copy.Collection);
        Assert.Equal(["s"], copy.Lines.Select(l => l.Sku));
        Assert.Equal(new Dictionary<int, string?> { [1] = "one", [2] = null }, copy.Names);
        Assert.Equal(["t"], copy.Tags);

        // Written: Id, the six fillable shapes, and Tags under its renamed key; not Ignored, an array, IEnumerable<T>,
        // the read-only interfaces or the computed Count.
        var keys = MapKeys(bytes);
        Assert.Equal(["Id", "List", "Set", "Scores", "Collection", "Lines", "Names", "tags"], keys);
        Assert.Empty(copy.Ignored);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Deserialize_ConstructorPrefilledCollections_ReplacedNotDoubled(bool generated)
    {
        var copy = RoundTrip(generated, Shapes());

        Assert.DoesNotContain(-1, copy.List);
        Assert.DoesNotContain("ctor", copy.Set);
        Assert.False(copy.Scores.ContainsKey("ctor"));
        Assert.DoesNotContain(-1L, copy.Collection);
        Assert.Single(copy.Lines);
        Assert.False(copy.Names.ContainsKey(-1));
        Assert.Equal(["t"], copy.Tags);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Deserialize_MemberMissingFromPayload_CollectionKeptAsConstructed(bool generated)
    {
        // {"Id": 5}: an older writer, or a peer that leaves the collections out.
        var copy = Read<GenGetOnlyShapes>(generated, Hex.Parse("81 a2 4964 05"));

        Assert.Equal(5, copy.Id);
        Assert.Equal([-1], copy.List);
        Assert.Equal(["ctor"], copy.Tags);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Deserialize_DictionaryRepeatedKey_LastValueKept(bool generated)
    {
        // {"Meta": {"k": "1", "k": "2"}}
        var order = Read<GenGetOnlyOrder>(generated, Hex.Parse("81 a4 4d657461 82 a1 6b a1 31 a1 6b a1 32"));

        // {"Scores": {"a": 1, "A": 2}}: distinct keys in the payload, one key to the case-insensitive dictionary the
        // constructor made, which is the one filled, so its comparer is kept.
        var shapes = Read<GenGetOnlyShapes>(generated, Hex.Parse("81 a6 53636f726573 82 a1 61 01 a1 41 02"));

        Assert.Equal(new Dictionary<string, string> { ["k"] = "2" }, order.Meta);
        Assert.Equal(2, Assert.Single(shapes.Scores).Value);
        Assert.Equal(2, shapes.Scores["a"]);
        Assert.Same(StringComparer.OrdinalIgnoreCase, shapes.Scores.Comparer);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Deserialize_GetterReturnsNullButPayloadHasElements_ThrowsNamingTheMember(bool generated)
    {
        var value = new GenLazyItems { Id = 1 };
        value.Add(4);

        var ex = Assert.Throws<MessagePackSerializationException>(() => RoundTrip(generated, value));

        Assert.Contains("GenLazyItems.Items is a get-only collection that is null after construction", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public void Deserialize_GetterReturnsNullButPayloadHasElements_SerializerThrowsTheSameException()
    {
        // What the engine calls: the exception reaches it unwrapped, and it treats the entry as a miss.
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<GenLazyItems>(Hex.Parse("81 a5 4974656d73 91 01")));

        Assert.Contains("GenLazyItems.Items", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RoundTrip_NullCollectionWrittenAsNil_NullKept(bool generated)
    {
        var bytes = Write(generated, new GenLazyItems { Id = 2 });
        var copy = Read<GenLazyItems>(generated, bytes);

        Assert.Equal(Hex.Parse("82 a2 4964 02 a5 4974656d73 c0"), bytes);
        Assert.Equal(2, copy.Id);
        Assert.Null(copy.Items);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Deserialize_NilForGetOnlyCollections_Cleared(bool generated)
    {
        // Every collection member nil: the closest a get-only collection gets to null is empty.
        var copy = Read<GenGetOnlyShapes>(generated, Hex.Parse(
            "87 a4 4c697374 c0 a3 536574 c0 a6 53636f726573 c0 aa 436f6c6c656374696f6e c0 a5 4c696e6573 c0 a5 4e616d6573 c0 a4 74616773 c0"));

        Assert.Empty(copy.List);
        Assert.Empty(copy.Set);
        Assert.Empty(copy.Scores);
        Assert.Empty(copy.Collection);
        Assert.Empty(copy.Lines);
        Assert.Empty(copy.Names);
        Assert.Empty(copy.Tags);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Deserialize_ReadOnlyInstance_AcceptedWhenItHoldsThePayloadElseThrows(bool generated)
    {
        // An array behind IList<int>: it cannot be cleared, but it is the same [1, 2] after every construction.
        var copy = RoundTrip(generated, new GenFixedItems { Id = 1 });
        var ex = Assert.Throws<MessagePackSerializationException>(() => Read<GenFixedItems>(generated, Hex.Parse("81 a5 4669786564 91 03")));

        Assert.Equal([1, 2], copy.Fixed);
        Assert.Contains("GenFixedItems.Fixed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("read-only", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Serialize_ArrayLayoutGetOnlyListWithKey_GoldenBytesAndRoundTrip(bool generated)
    {
        var value = new GenGetOnlyCompact { Id = 1 };
        value.Values.AddRange([2, 3]);
        value.NotWritten.Add(8);

        var bytes = Write(generated, value);
        var copy = Read<GenGetOnlyCompact>(generated, bytes);

        // [1, nil, [2, 3]]: index 1 has no member; NotWritten has no key.
        Assert.Equal("9301c0920203", Convert.ToHexStringLower(bytes));
        Assert.Equal([2, 3], copy.Values);
        Assert.Equal([7], copy.NotWritten);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RoundTrip_StructWithGetOnlyCollections_Populated(bool generated)
    {
        var value = new GenGetOnlyStruct { Id = 4 };
        value.Names.Add("a");
        value.Counts["b"] = 2;

        var copy = RoundTrip(generated, value);

        Assert.Equal(4, copy.Id);
        Assert.Equal(["a"], copy.Names);
        Assert.Equal(value.Counts, copy.Counts);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Serialize_GetOnlyList_GoldenBytes(bool generated)
    {
        var value = new GenTagged { Id = 1 };
        value.Tags.Add("a");

        // {"Id": 1, "Tags": ["a"]}: fixmap of 2; fixstr "Id", positive fixint 1; fixstr "Tags", fixarray of 1, fixstr "a".
        Assert.Equal(Hex.Parse("82 a2 4964 01 a4 54616773 91 a161"), Write(generated, value));
        Assert.Equal(["a"], Read<GenTagged>(generated, Hex.Parse("82 a2 4964 01 a4 54616773 91 a161")).Tags);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RoundTrip_ComputedCollectionProperty_WrittenAndHarmlessOnRead(bool generated)
    {
        var bytes = Write(generated, new GenComputedList { Items = [1, 2, 3, 4] });
        var copy = Read<GenComputedList>(generated, bytes);

        Assert.Equal(["Items", "Evens"], MapKeys(bytes));
        Assert.Equal([1, 2, 3, 4], copy.Items);
        Assert.Equal([2, 4], copy.Evens);
    }

    [Fact]
    public void TryCreateSerializer_GetOnlyCollectionTypes_GeneratedOrReflectionFormatter()
    {
        var generated = Assert.IsType<MessagePackHybridCacheSerializer<GenGetOnlyOrder>>(Mp.Serializer<GenGetOnlyOrder>());
        var reflected = Assert.IsType<MessagePackHybridCacheSerializer<GetOnlyOrder>>(Mp.Serializer<GetOnlyOrder>());

        Assert.Equal("HybridCacheKit.Serialization.MessagePack.Generated", generated.Formatter.GetType().Namespace);
        Assert.Contains("Reflection", reflected.Formatter.GetType().Name, StringComparison.Ordinal);
    }

    private static GetOnlyOrder Order()
    {
        var order = new GetOnlyOrder { Id = 7 };
        order.Lines.Add(new GetOnlyLine { Sku = "A-1", Quantity = 2 });
        order.Lines.Add(new GetOnlyLine { Sku = "B-2", Quantity = 1 });
        order.Meta["gift"] = "yes";
        return order;
    }

    private static GenGetOnlyShapes Shapes()
    {
        var value = new GenGetOnlyShapes { Id = 9 };
        value.List.Clear();
        value.List.AddRange([1, 2]);
        value.Set.Clear();
        value.Set.UnionWith(["a", "b"]);
        value.Scores.Clear();
        value.Scores["x"] = 1;
        value.Collection.Clear();
        value.Collection.Add(10);
        value.Lines.Clear();
        value.Lines.Add(new GenGetOnlyLine { Sku = "s" });
        value.Names.Clear();
        value.Names[1] = "one";
        value.Names[2] = null;
        value.Tags.Clear();
        value.Tags.Add("t");
        value.Ignored.Add(5);
        return value;
    }

    /// <summary>The generated formatter of <typeparamref name="T"/>, or the reflection path's, built for it alone.</summary>
    private static IMessagePackFormatter<T> Formatter<T>(bool generated)
    {
        if (!generated)
        {
            return (IMessagePackFormatter<T>)ReflectionFormatters.BuildIsolated(typeof(T));
        }

        var formatter = MessagePackFormatters.FindGenerated<T>();
        Assert.NotNull(formatter);
        return formatter;
    }

    private static byte[] Write<T>(bool generated, T value)
    {
        var formatter = Formatter<T>(generated);
        return Hex.Bytes((ref MessagePackWriter writer) => formatter.Serialize(ref writer, value));
    }

    private static T Read<T>(bool generated, byte[] bytes)
    {
        var formatter = Formatter<T>(generated);
        return Hex.Read(bytes, (ref MessagePackReader reader) => formatter.Deserialize(ref reader));
    }

    private static T RoundTrip<T>(bool generated, T value) => Read<T>(generated, Write(generated, value));

    private static List<string> MapKeys(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        var keys = new List<string>();
        for (var count = reader.ReadMapHeader(); count > 0; count--)
        {
            keys.Add(MessagePackFormatters.String.Deserialize(ref reader)!);
            reader.Skip();
        }

        return keys;
    }
}
