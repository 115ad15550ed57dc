using System.Buffers;
using HybridCacheKit.Serialization.MessagePack.Reflection;
using HybridCacheKit.Serialization.MessagePack.Resolution;
using HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Generator;

/// <summary>Types marked [GenerateMessagePack] use the generated formatter, which writes what the reflection path writes.</summary>
public sealed class GeneratedFormatterTests
{
    public static TheoryData<Type> GeneratedTypes() =>
        [typeof(GenOrder), typeof(GenCustomer), typeof(GenAddress), typeof(GenLine), typeof(GenCompact), typeof(GenTree), typeof(GenNamed), typeof(GenMutableStruct)];

    [Theory]
    [MemberData(nameof(GeneratedTypes))]
    public void Find_AnnotatedType_GeneratedFormatterNotReflection(Type type)
    {
        var origin = (FormatterOrigin)typeof(GeneratedFormatterTests).GetMethod(nameof(OriginOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.Equal(FormatterOrigin.Generated, origin);
    }

    /// <summary>The collections applications cache whole, closed over an annotated type: registered with it, so found without reflection (native AOT has none).</summary>
    public static TheoryData<Type> CollectionsOfGeneratedTypes() =>
    [
        typeof(GenOrder[]), typeof(List<GenOrder>), typeof(IEnumerable<GenOrder>), typeof(ICollection<GenOrder>), typeof(IList<GenOrder>),
        typeof(IReadOnlyCollection<GenOrder>), typeof(IReadOnlyList<GenOrder>), typeof(Dictionary<string, GenOrder>),
        typeof(IDictionary<string, GenOrder>), typeof(IReadOnlyDictionary<string, GenOrder>), typeof(GenAddress?), typeof(List<GenAddress>),
    ];

    [Theory]
    [MemberData(nameof(CollectionsOfGeneratedTypes))]
    public void Find_CollectionOfAnAnnotatedType_GeneratedFormatterNotReflection(Type type)
    {
        var origin = (FormatterOrigin)typeof(GeneratedFormatterTests).GetMethod(nameof(OriginOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.Equal(FormatterOrigin.Generated, origin);
    }

    /// <summary>
    /// What docs/messagepack.md says needs the reflection fallback as the cached type (declined when it is off): any
    /// collection not registered beside an annotated type, and collections, enums and nullables of built-in types.
    /// </summary>
    public static TheoryData<Type> TypesThatNeedTheFallback() =>
    [
        typeof(HashSet<GenOrder>), typeof(Dictionary<int, GenOrder>), typeof(List<List<GenOrder>>), typeof(GenOrder[][]),
        typeof(IDictionary<int, GenOrder>), typeof(List<int>), typeof(Dictionary<string, string>), typeof(int[]), typeof(Status), typeof(int?),
    ];

    [Theory]
    [MemberData(nameof(TypesThatNeedTheFallback))]
    public void Find_CollectionNotRegisteredBesideAnAnnotatedType_ReflectionFallback(Type type)
    {
        var origin = (FormatterOrigin)typeof(GeneratedFormatterTests).GetMethod(nameof(OriginOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.Equal(FormatterOrigin.Reflection, origin);
    }

    [Theory]
    [InlineData(typeof(int))]
    [InlineData(typeof(decimal))]
    [InlineData(typeof(Guid))]
    [InlineData(typeof(DateTime))]
    [InlineData(typeof(Int128))]
    public void Find_BuiltInScalar_NoFallbackNeeded(Type type)
    {
        var origin = (FormatterOrigin)typeof(GeneratedFormatterTests).GetMethod(nameof(OriginOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.Equal(FormatterOrigin.BuiltIn, origin);
    }

    [Fact]
    public void Serialize_CollectionsOfAnnotatedTypes_SameBytesAsReflectionAndRoundTrip()
    {
        var oslo = new GenCustomer("Ada", "ada@example.org", new GenAddress("1 Main St", "Oslo", null));
        var lima = new GenCustomer("Bo", "bo@example.org", null);
        List<GenCustomer> list = [oslo, null!, lima];
        var lookup = new Dictionary<string, GenCustomer> { ["a"] = oslo, ["b"] = lima };
        GenAddress? some = new GenAddress("2 High St", "Lima", "15001");

        // The same bytes as the collection framing around the reflection path's element formatter.
        var customer = (IMessagePackFormatter<GenCustomer>)ReflectionFormatters.BuildIsolated(typeof(GenCustomer));
        var address = (IMessagePackFormatter<GenAddress>)ReflectionFormatters.BuildIsolated(typeof(GenAddress));
        Assert.Equal(Bytes(MessagePackFormatters.List(customer), list), Mp.Serialize(list));
        Assert.Equal(Bytes(MessagePackFormatters.Dictionary((IMessagePackFormatter<string>)MessagePackFormatters.String, customer), lookup), Mp.Serialize(lookup));
        Assert.Equal(Bytes(MessagePackFormatters.Nullable(address), some), Mp.Serialize(some));
        Assert.Equal([oslo, null!, lima], Mp.RoundTrip(list));
        Assert.Equal(lima, Mp.RoundTrip<IReadOnlyDictionary<string, GenCustomer>>(lookup)["b"]);
        Assert.Equal(some, Mp.RoundTrip(some));
        Assert.Null(Mp.RoundTrip<GenAddress?>(null));
    }

    /// <summary>Closed types of marked generic definitions, named with the assembly form, and a type that nests one.</summary>
    public static TheoryData<Type> ClosedGenericTypes() =>
        [typeof(GenPage<GenCustomer>), typeof(GenPage<int>), typeof(GenPair<string, GenAddress?>), typeof(GenCatalog), typeof(List<GenPage<GenCustomer>>)];

    [Theory]
    [MemberData(nameof(ClosedGenericTypes))]
    public void Find_ClosedGenericType_GeneratedFormatterNotReflection(Type type)
    {
        var origin = (FormatterOrigin)typeof(GeneratedFormatterTests).GetMethod(nameof(OriginOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.Equal(FormatterOrigin.Generated, origin);
    }

    [Fact]
    public void Serialize_ClosedGenericTypes_SameBytesAsReflectionAndRoundTrip()
    {
        var ada = new GenCustomer("Ada", "ada@example.org", new GenAddress("1 Main St", "Oslo", null));
        var page = new GenPage<GenCustomer> { Items = [ada, new GenCustomer("Bo", "bo@example.org", null)], Total = 42, First = ada };
        var numbers = new GenPage<int> { Items = [1, -2, int.MaxValue], Total = 3, First = 1 };
        var pair = new GenPair<string, GenAddress?>("home", new GenAddress("2 High St", "Lima", "15001"));
        var catalog = new GenCatalog { Name = "c", Customers = page };

        Assert.Equal(ReflectionBytes(page), Mp.Serialize(page));
        Assert.Equal(ReflectionBytes(numbers), Mp.Serialize(numbers));
        Assert.Equal(ReflectionBytes(pair), Mp.Serialize(pair));
        Assert.Equal(ReflectionBytes(catalog), Mp.Serialize(catalog));

        var copy = Mp.RoundTrip(page);
        Assert.Equal(page.Items, copy.Items);
        Assert.Equal((42, ada), (copy.Total, copy.First));
        Assert.Equal([1, -2, int.MaxValue], Mp.RoundTrip(numbers).Items);
        Assert.Equal(pair, Mp.RoundTrip(pair));
        Assert.Equal(page.Items, Mp.RoundTrip(catalog).Customers.Items);
    }

    [Fact]
    public void Serialize_MembersHiddenWithNewAndOverridden_DerivedMembersOnBothPathsAndSameBytes()
    {
        // The generated code failed to build for a `new` member of another type, and for one of the same type the two
        // paths wrote different members (the generator the derived one, the runtime the base one).
        var value = new GenHiding { Name = "derived", Code = 7, Label = "label", Extra = 3, Count = 2 };
        ((HidingBase)value).Name = "base";
        ((HidingBase)value).Code = "base-code";

        var bytes = Mp.Serialize(value);

        Assert.Equal(FormatterOrigin.Generated, OriginOf<GenHiding>());
        Assert.Equal(ReflectionBytes(value), bytes);

        // An override keeps its base member's place; the hidden ones are not written, their replacements come with the
        // derived type's members.
        Assert.Equal(
            string.Concat(
                "85",
                "a54c6162656c", "a56c6162656c", // Label: "label"
                "a5436f756e74", "02",           // Count: 2
                "a44e616d65", "a7646572697665", "64", // Name: "derived"
                "a4436f6465", "07",             // Code: 7
                "a54578747261", "03"),          // Extra: 3
            Convert.ToHexStringLower(bytes));

        var copy = Mp.Deserialize<GenHiding>(bytes);
        Assert.Equal(("derived", 7, "label", 3, 2), (copy.Name, copy.Code, copy.Label, copy.Extra, copy.Count));
    }

    /// <summary>Types whose flattened names collided (Collide.B_C and Collide_B.C) and types with keyword-named members.</summary>
    public static TheoryData<Type> EdgeCaseTypes() => [typeof(Mapping.Collide.B_C), typeof(Mapping.Collide_B.C), typeof(GenKeywords), typeof(GenKeywordRecord)];

    [Theory]
    [MemberData(nameof(EdgeCaseTypes))]
    public void Find_EdgeCaseNamedType_GeneratedFormatterNotReflection(Type type)
    {
        var origin = (FormatterOrigin)typeof(GeneratedFormatterTests).GetMethod(nameof(OriginOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.Equal(FormatterOrigin.Generated, origin);
    }

    [Fact]
    public void Serialize_EdgeCaseNamedTypes_SameBytesAsReflectionAndRoundTrip()
    {
        var keywords = new GenKeywords { @class = 3, @event = "e", @namespace = "n" };
        var record = new GenKeywordRecord(4, "f");

        Assert.Equal(ReflectionBytes(keywords), Mp.Serialize(keywords));
        Assert.Equal(ReflectionBytes(record), Mp.Serialize(record));
        Assert.Equal("83a5636c61737303a96e616d657370616365a16ea56576656e74a165", Mp.ToHex(keywords));
        var copy = Mp.RoundTrip(keywords);
        Assert.Equal((3, "e", "n"), (copy.@class, copy.@event, copy.@namespace));
        Assert.Equal(record, Mp.RoundTrip(record));
        Assert.Equal(5, Mp.RoundTrip(new Mapping.Collide.B_C { X = 5 }).X);
        Assert.Equal("y", Mp.RoundTrip(new Mapping.Collide_B.C { Y = "y" }).Y);
    }

    [Fact]
    public void Serializer_AnnotatedType_UsesGeneratedFormatterClass()
    {
        var serializer = Assert.IsType<MessagePackHybridCacheSerializer<GenOrder>>(Mp.Serializer<GenOrder>());

        Assert.Equal("HybridCacheKit.Serialization.MessagePack.Generated", serializer.Formatter.GetType().Namespace);
        Assert.DoesNotContain("Reflection", serializer.Formatter.GetType().Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_Order_GeneratedBytesEqualReflectionBytes()
        => Assert.Equal(ReflectionBytes(Samples.Order()), Mp.Serialize(Samples.Order()));

    [Fact]
    public void Serialize_OtherShapes_GeneratedBytesEqualReflectionBytes()
    {
        Assert.Equal(ReflectionBytes(new GenCompact { Id = 1, Name = "n", Values = [1, -1, long.MaxValue] }), Mp.Serialize(new GenCompact { Id = 1, Name = "n", Values = [1, -1, long.MaxValue] }));
        Assert.Equal(ReflectionBytes(new GenNamed { UserId = 5, Unicode = "значение" }), Mp.Serialize(new GenNamed { UserId = 5, Unicode = "значение" }));
        Assert.Equal(ReflectionBytes(new GenMutableStruct { A = 1, B = "b" }), Mp.Serialize(new GenMutableStruct { A = 1, B = "b" }));
        var tree = new GenTree { Name = "r", Children = [new GenTree { Name = "c" }] };
        Assert.Equal(ReflectionBytes(tree), Mp.Serialize(tree));
    }

    [Fact]
    public void Deserialize_ReflectionBytes_GeneratedReadsSameValue()
    {
        var order = Mp.Deserialize<GenOrder>(ReflectionBytes(Samples.Order()));

        Assert.Equal(Mp.Serialize(Samples.Order()), Mp.Serialize(order));
    }

    [Fact]
    public void RoundTrip_Order_EveryMemberKept()
    {
        var original = Samples.Order();

        var copy = Mp.RoundTrip(original);

        Assert.Equal(original.Number, copy.Number);
        Assert.Equal(original.Customer, copy.Customer);
        Assert.Equal(2, copy.Lines.Count);
        Assert.Equal((original.Lines[0].Sku, original.Lines[0].Quantity, original.Lines[0].UnitPrice, original.Lines[0].Weight, original.Lines[0].Discount),
            (copy.Lines[0].Sku, copy.Lines[0].Quantity, copy.Lines[0].UnitPrice, copy.Lines[0].Weight, copy.Lines[0].Discount));
        Assert.Null(copy.Lines[1].Discount);
        Assert.Equal(original.Attributes, copy.Attributes);
        Assert.Equal((original.Total, original.CreatedAt, original.ShippedAt, original.Status, original.TrackingId, original.Window),
            (copy.Total, copy.CreatedAt, copy.ShippedAt, copy.Status, copy.TrackingId, copy.Window));
        Assert.Equal(original.Signature, copy.Signature);
        Assert.Equal(original.Ratings, copy.Ratings);
        Assert.Equal("", copy.Ignored);
    }

    [Fact]
    public void Serialize_GeneratedArrayLayout_GoldenBytes()
    {
        // [1, nil, "n", [2]]: index 1 has no member; NotWritten has no key.
        Assert.Equal("9401c0a16e9102", Mp.ToHex(new GenCompact { Id = 1, Name = "n", Values = [2], NotWritten = "x" }));
        Assert.Equal("kept", Mp.Deserialize<GenCompact>(Hex.Parse("9401c0a16e9102")).NotWritten);
    }

    [Fact]
    public void Serialize_GeneratedRenamedMembers_GoldenBytes()
        => Assert.Equal("82a7757365725f696405a8d0bad0bbd18ed187c0", Mp.ToHex(new GenNamed { UserId = 5 }));

    [Fact]
    public void Deserialize_GeneratedWithReorderedUnknownAndMissingKeys_Mapped()
    {
        // {"Quantity": 3, "zzz": [1, {"a": nil}], "Sku": "s"}: out of order, an unknown key, UnitPrice missing.
        var line = Mp.Deserialize<GenLine>(Hex.Parse("83 a8 5175616e74697479 03 a3 7a7a7a 92 01 81 a1 61 c0 a3 536b75 a1 73"));

        Assert.Equal(("s", 3, 0m), (line.Sku, line.Quantity, line.UnitPrice));
    }

    [Fact]
    public void Deserialize_GeneratedDeepTree_RejectedBeyondMaxDepth()
    {
        var root = new GenTree { Name = "0" };
        var node = root;
        for (var i = 1; i < 40; i++)
        {
            var child = new GenTree { Name = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            node.Children.Add(child);
            node = child;
        }

        // Each level is an object and a list: 80 levels against the default MaxDepth of 64.
        Assert.Throws<MessagePackSerializationException>(() => Mp.Serialize(root));
        var shallow = new MessagePackHybridCacheSerializerFactory(new MessagePackSerializerOptions { MaxDepth = 200 });
        var buffer = new ArrayBufferWriter<byte>();
        Mp.Serializer<GenTree>(shallow).Serialize(root, buffer);
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<GenTree>(buffer.WrittenSpan.ToArray()));
        Assert.Equal("39", Descend(Mp.Deserialize<GenTree>(buffer.WrittenSpan.ToArray(), shallow)).Name);

        static GenTree Descend(GenTree tree) => tree.Children.Count == 0 ? tree : Descend(tree.Children[0]);
    }

    private static FormatterOrigin OriginOf<T>()
    {
        _ = FormatterResolver.Find<T>(out var origin, out _);
        return origin;
    }

    private static byte[] Bytes<T>(IMessagePackFormatter<T> formatter, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        formatter.Serialize(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] ReflectionBytes<T>(T value)
    {
        var formatter = (IMessagePackFormatter<T>)ReflectionFormatters.BuildIsolated(typeof(T));
        Assert.Contains("Reflection", formatter.GetType().Name, StringComparison.Ordinal);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        formatter.Serialize(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
