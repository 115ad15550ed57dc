using System.Globalization;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

/// <summary>Object mapping through the reflection fallback (these types have no [GenerateMessagePack]).</summary>
public sealed class RoundTripTests
{
    [Fact]
    public void RoundTrip_AllPrimitives_EqualValues()
    {
        var value = new AllPrimitives
        {
            Flag = true, B = 255, Sb = -128, S = short.MinValue, Us = ushort.MaxValue, I = int.MinValue, Ui = uint.MaxValue,
            L = long.MinValue, Ul = ulong.MaxValue, F = 3.25f, D = Math.PI, C = 'ж', Text = "héllo", Bytes = [1, 2, 3],
            Money = -12345.6789m, Id = Guid.NewGuid(), When = new DateTime(2030, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc).AddTicks(4567),
            At = new DateTimeOffset(1950, 1, 2, 3, 4, 5, TimeSpan.Zero), Duration = TimeSpan.FromTicks(-123456789),
            Status = Status.Shipped, Big = Big.Huge, MaybeInt = 5, MaybeWhen = null,
        };

        var copy = Mp.RoundTrip(value);

        Assert.Equivalent(value, copy, strict: true);
    }

    [Fact]
    public void Serialize_DateTimeKinds_UtcInstantReadBackAsUtc()
    {
        var local = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Local);
        var unspecified = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Unspecified);

        var fromLocal = Mp.RoundTrip(local);
        var fromUnspecified = Mp.RoundTrip(unspecified);

        Assert.Equal(DateTimeKind.Utc, fromLocal.Kind);
        Assert.Equal(local.ToUniversalTime(), fromLocal);
        Assert.Equal(DateTimeKind.Utc, fromUnspecified.Kind);
        Assert.Equal(unspecified.Ticks, fromUnspecified.Ticks);
    }

    [Fact]
    public void Serialize_DateTimeOffsetWithOffset_SameInstantOffsetZero()
    {
        var value = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(5.5));

        var copy = Mp.RoundTrip(value);

        Assert.Equal(value.UtcDateTime, copy.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, copy.Offset);
    }

    [Fact]
    public void RoundTrip_PositionalRecord_UsesConstructor()
    {
        var value = new PersonRecord("Ada", 36, ["ada@example.org", "a@b.c"]);

        var copy = Mp.RoundTrip(value);

        Assert.Equal(value.Name, copy.Name);
        Assert.Equal(value.Age, copy.Age);
        Assert.Equal(value.Emails, copy.Emails);
    }

    [Fact]
    public void RoundTrip_StructsRecordStructAndFields_EqualValues()
    {
        Assert.Equal(new PointStruct(3, -4), Mp.RoundTrip(new PointStruct(3, -4)));
        var copy = Mp.RoundTrip(new MutableStruct { A = 9, B = "b" });
        Assert.Equal(9, copy.A);
        Assert.Equal("b", copy.B);
    }

    [Fact]
    public void Deserialize_InitOnlyAndRequired_SetThroughInitializers()
    {
        var copy = Mp.RoundTrip(new InitOnly { Name = "n", Count = 4, Tags = ["x"] });

        Assert.Equal("n", copy.Name);
        Assert.Equal(4, copy.Count);
        Assert.Equal(["x"], copy.Tags);
    }

    [Fact]
    public void Deserialize_MissingMembers_PlainSettersKeepInitializerValues()
    {
        // {"Name":"n"}: Count (init) gets its default, Tags (plain setter) keeps its initializer value.
        var copy = Mp.Deserialize<InitOnly>(Hex.Parse("81 a4 4e616d65 a1 6e"));

        Assert.Equal("n", copy.Name);
        Assert.Equal(0, copy.Count);
        Assert.Equal(["default"], copy.Tags);
    }

    [Fact]
    public void RoundTrip_EveryCollectionShape_EqualContents()
    {
        var value = new Collections
        {
            Array = [1, 2, 3],
            List = ["a", null!, "c"],
            Enumerable = Enumerable.Range(0, 20).Where(i => i % 2 == 0),
            Collection = [4, 5],
            ListInterface = [6],
            ReadOnlyCollection = [7, 8, 9],
            ReadOnlyList = [new PointStruct(1, 2)],
            Dictionary = new() { ["one"] = 1, ["two"] = 2 },
            DictionaryInterface = new Dictionary<int, string> { [1] = "x" },
            ReadOnlyDictionary = new Dictionary<string, PersonRecord> { ["p"] = new PersonRecord("P", 1, []) },
            Set = [Guid.Empty],
            Nullables = [1, null, 3],
        };

        var copy = Mp.RoundTrip(value);

        Assert.Equal(value.Array, copy.Array);
        Assert.Equal(value.List, copy.List);
        Assert.Equal(value.Enumerable, copy.Enumerable);
        Assert.Equal(value.Collection, copy.Collection);
        Assert.Equal(value.ListInterface, copy.ListInterface);
        Assert.Equal(value.ReadOnlyCollection, copy.ReadOnlyCollection);
        Assert.Equal(value.ReadOnlyList, copy.ReadOnlyList);
        Assert.Equal(value.Dictionary, copy.Dictionary);
        Assert.Equal(value.DictionaryInterface, copy.DictionaryInterface);
        Assert.Equal("P", copy.ReadOnlyDictionary!["p"].Name);
        Assert.Equal(value.Set, copy.Set);
        Assert.Equal(value.Nullables, copy.Nullables);
    }

    [Fact]
    public void RoundTrip_NullCollectionsAndStrings_StayNull()
    {
        var copy = Mp.RoundTrip(new Collections());

        Assert.Null(copy.Array);
        Assert.Null(copy.Dictionary);
        Assert.Null(copy.Enumerable);
    }

    [Fact]
    public void RoundTrip_TopLevelShapes_EqualValues()
    {
        Assert.Equal(42, Mp.RoundTrip(42));
        Assert.Equal([1, 2], Mp.RoundTrip(new List<int> { 1, 2 }));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, Mp.RoundTrip(new Dictionary<string, int> { ["a"] = 1 }));
        Assert.Equal((Status?)null, Mp.RoundTrip<Status?>(null));
        Assert.Null(Mp.RoundTrip<AllPrimitives?>(null));
        Assert.Equal("c0", Mp.ToHex<SmallV1?>(null));
    }

    [Fact]
    public void RoundTrip_RecursiveType_Nested()
    {
        var tree = new TreeNode { Name = "root", Children = [new TreeNode { Name = "a", Children = [new TreeNode { Name = "a1" }] }, new TreeNode { Name = "b" }] };

        var copy = Mp.RoundTrip(tree);

        Assert.Equal("a1", copy.Children[0].Children[0].Name);
        Assert.Equal("b", copy.Children[1].Name);
    }

    [Fact]
    public void Serialize_SmallObject_MapKeyedByMemberName()
        => Assert.Equal("82 a2 4964 01 a4 4e616d65 a1 61".Replace(" ", "", StringComparison.Ordinal), Mp.ToHex(new SmallV1 { Id = 1, Name = "a" }));

    [Fact]
    public void Serialize_DerivedType_BaseFirstIgnoredAndRenamedMembersRespected()
    {
        var value = new DerivedEntity { Id = 7, Title = "t", Secret = "s", DisplayName = "d" };

        // {"Id":7,"Title":"t","display_name":"d"}: no Secret ([MessagePackIgnore]) and no Computed (get-only).
        Assert.Equal("83a2496407a55469746c65a174ac646973706c61795f6e616d65a164", Mp.ToHex(value));
        var copy = Mp.RoundTrip(value);
        Assert.Equal((7, "t", "", "d"), (copy.Id, copy.Title, copy.Secret, copy.DisplayName));
    }

    [Fact]
    public void Serialize_ArrayLayout_ArrayInKeyOrderWithNilGaps()
    {
        var value = new CompactReflected { Id = 1, Name = "a", NotWritten = "changed" };

        Assert.Equal("9301c0a161", Mp.ToHex(value));
        var copy = Mp.RoundTrip(value);
        Assert.Equal((1, "a", "kept"), (copy.Id, copy.Name, copy.NotWritten));
    }

    [Fact]
    public void Deserialize_UnknownAndNonStringKeys_Skipped()
    {
        var newer = Mp.Serialize(new SmallV2 { Id = 3, Name = "n", Added = "x" });
        var old = Mp.Deserialize<SmallV1>(newer);
        Assert.Equal((3, "n"), (old.Id, old.Name));

        var fromOld = Mp.Deserialize<SmallV2>(Mp.Serialize(new SmallV1 { Id = 4, Name = "m" }));
        Assert.Equal((4, "m", "default"), (fromOld.Id, fromOld.Name, fromOld.Added));

        // {1: [1,2], "Id": 5, "extra": {"deep": [nil]}}
        var foreign = Mp.Deserialize<SmallV1>(Hex.Parse("83 01 920102 a2 4964 05 a5 6578747261 81 a4 64656570 91c0"));
        Assert.Equal(5, foreign.Id);
    }

    [Fact]
    public void Factory_StringAndByteArray_Declined()
    {
        Assert.False(Mp.Factory.TryCreateSerializer<string>(out _));
        Assert.False(Mp.Factory.TryCreateSerializer<byte[]>(out _));
        Assert.False(Mp.Factory.TryCreateSerializer<object>(out _));
        Assert.False(Mp.Factory.TryCreateSerializer<IComparable>(out _));
    }

    [Fact]
    public void Deserialize_ConstructorRejectsValue_OneExceptionTypeCarryingTheConstructorsException()
    {
        // {"Quantity": -1}
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Validated>(Hex.Parse("81 a8 5175616e74697479 ff")));

        // The constructor's own exception, not reflection's TargetInvocationException around it; no inner exception
        // would mean the codec rejected the bytes.
        Assert.IsType<ArgumentOutOfRangeException>(ex.InnerException);
        Assert.Contains("ArgumentOutOfRangeException", ex.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Validated>(Hex.Parse("81 a8 5175616e74697479 c1"))).InnerException);
    }

    [Fact]
    public void Factory_EncodeStringAndByteArrayValues_StrAndBin()
    {
        var factory = new MessagePackHybridCacheSerializerFactory(new MessagePackSerializerOptions { EncodeStringAndByteArrayValues = true });

        Assert.Equal("a161", Convert.ToHexStringLower(Bytes(Mp.Serializer<string>(factory), "a")));
        Assert.Equal("c0", Convert.ToHexStringLower(Bytes(Mp.Serializer<string>(factory), null!)));
        Assert.Equal("c40107", Convert.ToHexStringLower(Bytes(Mp.Serializer<byte[]>(factory), [7])));
        Assert.Equal("é", Mp.Deserialize<string>(Hex.Parse("a2 c3a9"), factory));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<string>("x"u8.ToArray(), factory));
        Assert.True(factory.Options.EncodeStringAndByteArrayValues);
        Assert.Throws<InvalidOperationException>(() => factory.Options.EncodeStringAndByteArrayValues = false);

        static byte[] Bytes<T>(Microsoft.Extensions.Caching.Hybrid.IHybridCacheSerializer<T> serializer, T value)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            serializer.Serialize(value, buffer);
            return buffer.WrittenSpan.ToArray();
        }
    }

    [Theory]
    [InlineData('a', "a161")]
    [InlineData('ж', "a2d0b6")]
    [InlineData('€', "a3e282ac")]
    [InlineData('\0', "a100")]
    public void RoundTrip_Char_OneCharacterString(char value, string hex)
    {
        Assert.Equal(hex, Mp.ToHex(value));
        Assert.Equal(value, Mp.RoundTrip(value));
    }

    [Theory]
    [InlineData('\ud800')]
    [InlineData('\udfff')]
    public void Serialize_CharThatIsALoneSurrogate_RefusedInsteadOfBecomingUFFFD(char value)
    {
        // UTF-8 has no encoding for it; written as U+FFFD it would read back as another character.
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Serialize(value));
        Assert.Contains("unpaired UTF-16 surrogate", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]     // the short path (fixstr)
    [InlineData(40)]    // str 8
    [InlineData(400)]   // counted first, then encoded
    public void Serialize_StringWithALoneSurrogate_RefusedAndNamesWhere(int length)
    {
        var text = new string('x', length - 1) + "\ud83d";
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Serialize(new Holder { Text = text }));
        Assert.Contains($"at index {length - 1}", ex.InnerException?.Message ?? ex.Message, StringComparison.Ordinal);

        // A complete surrogate pair is fine and reads back as written.
        Assert.Equal(text + "\ude00", Mp.RoundTrip(new Holder { Text = text + "\ude00" }).Text);
    }

    [Theory]
    [InlineData("a0")]              // ""
    [InlineData("a26162")]          // "ab"
    [InlineData("a4f09f9880")]      // one code point, but a surrogate pair
    [InlineData("a2c328")]          // invalid UTF-8
    [InlineData("a3eda080")]        // an encoded lone surrogate
    [InlineData("c0")]              // nil
    [InlineData("01")]              // not a string
    public void Deserialize_CharFromAnythingButOneCharacter_MessagePackException(string hex)
        => Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<char>(Hex.Parse(hex)));

    [Fact]
    public void Deserialize_CharFromLongString_RejectedWithoutDecodingIt()
    {
        // A 4 MiB str where a char belongs: refused on its length, instead of decoding 8 MiB of UTF-16 first.
        var bytes = new byte[5 + (4 << 20)];
        bytes[0] = 0xdb;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), 4 << 20);
        bytes.AsSpan(5).Fill((byte)'a');
        var serializer = Mp.Serializer<char>();
        var input = new System.Buffers.ReadOnlySequence<byte>(bytes);
        Assert.Throws<MessagePackSerializationException>(() => serializer.Deserialize(input));

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<MessagePackSerializationException>(() => serializer.Deserialize(input));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, 0, 64 * 1024);
    }

    [Fact]
    public void Serialize_ReferenceCycle_ThrowsAtMaxDepth()
    {
        var cycle = new Cyclic();
        cycle.Next = cycle;

        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Serialize(cycle));
        Assert.Contains("MaxDepth", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecimalFormatter_ManyValues_SameTextAsToStringAndExactRoundTrip()
    {
        var random = new Random(1234);
        var values = new List<decimal> { 0m, 0.00m, -0.5m, 1m, -1m, 249.90m, 0.001m, decimal.MaxValue, decimal.MinValue, 1e-28m, 79228162514264337593543950335m, 18446744073709551615m, 18446744073709551616m };
        for (var i = 0; i < 5000; i++)
        {
            values.Add(new decimal(random.Next(), random.Next(), i % 3 == 0 ? random.Next() : 0, random.Next(2) == 0, (byte)random.Next(29)));
        }

        foreach (var value in values)
        {
            var bytes = Mp.Serialize(value);
            var reader = new MessagePackReader(bytes);
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), reader.ReadString());
            var copy = Mp.Deserialize<decimal>(bytes);
            Assert.Equal(value, copy);
            Assert.Equal(value.Scale, copy.Scale);
        }
    }

    [Fact]
    public void Deserialize_DecimalFromIntegerFloatOrExponent_Accepted()
    {
        Assert.Equal(5m, Mp.Deserialize<decimal>([0x05]));
        Assert.Equal(1.5m, Mp.Deserialize<decimal>(Hex.Parse("cb3ff8000000000000")));
        Assert.Equal(100m, Mp.Deserialize<decimal>(Hex.Parse("a4 31452b32")));
    }

    [Fact]
    public void Deserialize_GuidFromBin16OrBracedString_Accepted()
    {
        var guid = Guid.Parse("01234567-89ab-cdef-0123-456789abcdef");

        Assert.Equal(guid, Mp.Deserialize<Guid>(Hex.Parse("c410 0123456789abcdef0123456789abcdef")));
        Assert.Equal(guid, Mp.Deserialize<Guid>(Hex.Parse("d926" + Convert.ToHexString("{01234567-89AB-CDEF-0123-456789ABCDEF}"u8))));
    }

    [Fact]
    public void Deserialize_NumbersAcrossFormats_Converted()
    {
        Assert.Equal(200, Mp.Deserialize<byte>(Hex.Parse("d100c8")));
        Assert.Equal(2.0, Mp.Deserialize<double>([0x02]));
        Assert.Equal(1.5f, Mp.Deserialize<float>(Hex.Parse("cb3ff8000000000000")));
        Assert.Equal(-1, Mp.Deserialize<int>(Hex.Parse("d3ffffffffffffffff")));
    }
}

public sealed class Holder
{
    public string? Text { get; set; }
}
