using HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Robustness;

/// <summary>Random, truncated and mutated input: always a value or MessagePackSerializationException, never a crash or hang.</summary>
public sealed class FuzzTests
{
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Deserialize_RandomBytes_ValueOrMessagePackExceptionOnly(int seed)
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var random = new Random(seed);
            var order = Mp.Serializer<GenOrder>();
            var reflected = Mp.Serializer<AllPrimitives>();
            var collections = Mp.Serializer<Collections>();
            var dictionary = Mp.Serializer<Dictionary<string, List<int?>>>();
            for (var i = 0; i < 4000; i++)
            {
                var bytes = new byte[random.Next(0, 96)];
                random.NextBytes(bytes);

                // Half the inputs start with a map header, so decoding gets past the first byte more often.
                if (i % 2 == 0 && bytes.Length > 0)
                {
                    bytes[0] = (byte)(0x80 | (bytes[0] & 0x0f));
                }

                Untrusted.TryDeserialize(order, bytes);
                Untrusted.TryDeserialize(reflected, bytes);
                Untrusted.TryDeserialize(collections, bytes);
                Untrusted.TryDeserialize(dictionary, bytes);
                Untrusted.TrySkipAll(bytes);
            }
        });
    }

    [Fact]
    public async Task Deserialize_EveryTruncationOfValidPayloads_MessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var payload = Mp.Serialize(Samples.Order());
            var serializer = Mp.Serializer<GenOrder>();
            for (var length = 0; length < payload.Length; length++)
            {
                Assert.False(Untrusted.TryDeserialize(serializer, payload.AsSpan(0, length)), $"a {length}-byte prefix was accepted");
            }

            Assert.True(Untrusted.TryDeserialize(serializer, payload));

            var reflected = Mp.Serialize(new Collections { Array = [1], Dictionary = new() { ["k"] = 1 }, ReadOnlyList = [new PointStruct(1, 2)] });
            var reflectedSerializer = Mp.Serializer<Collections>();
            for (var length = 0; length < reflected.Length; length++)
            {
                Assert.False(Untrusted.TryDeserialize(reflectedSerializer, reflected.AsSpan(0, length)));
            }
        });
    }

    [Fact]
    public async Task Deserialize_EverySingleBitFlip_ValueOrMessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var payload = Mp.Serialize(Samples.Order());
            var serializer = Mp.Serializer<GenOrder>();
            var reflected = Mp.Serializer<AllPrimitives>();
            var primitives = Mp.Serialize(new AllPrimitives { Text = "abc", Bytes = [1], MaybeWhen = DateTime.UnixEpoch, Money = 1.5m });
            for (var position = 0; position < payload.Length; position++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    var mutated = (byte[])payload.Clone();
                    mutated[position] ^= (byte)(1 << bit);
                    Untrusted.TryDeserialize(serializer, mutated);
                }
            }

            for (var position = 0; position < primitives.Length; position++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    var mutated = (byte[])primitives.Clone();
                    mutated[position] ^= (byte)(1 << bit);
                    Untrusted.TryDeserialize(reflected, mutated);
                }
            }
        });
    }

    /// <summary>The formatters that parse text (decimal, Guid, char, the wide integers) on random strings of number-like characters.</summary>
    [Fact]
    public async Task Deserialize_RandomNumberLikeStrings_ValueOrMessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var random = new Random(7);
            const string alphabet = "0123456789012345678901234567890123456789.-+eE {}abcdef";
            var decimals = Mp.Serializer<decimal>();
            var guids = Mp.Serializer<Guid>();
            var chars = Mp.Serializer<char>();
            var int128s = Mp.Serializer<Int128>();
            var uint128s = Mp.Serializer<UInt128>();
            var bigs = Mp.Serializer<System.Numerics.BigInteger>();
            for (var i = 0; i < 3000; i++)
            {
                var text = new char[random.Next(0, i % 10 == 0 ? 200 : 45)];
                for (var c = 0; c < text.Length; c++)
                {
                    text[c] = alphabet[random.Next(alphabet.Length)];
                }

                var value = new string(text);
                var bytes = Hex.Bytes((ref MessagePackWriter w) => w.Write(value));
                Untrusted.TryDeserialize(decimals, bytes);
                Untrusted.TryDeserialize(guids, bytes);
                Untrusted.TryDeserialize(chars, bytes);
                Untrusted.TryDeserialize(int128s, bytes);
                Untrusted.TryDeserialize(uint128s, bytes);
                Untrusted.TryDeserialize(bigs, bytes);
            }
        });
    }

    /// <summary>A valid payload of every mapped shape, generated and reflected, and a decoder for it.</summary>
    public static TheoryData<string> Shapes() => [.. ShapeCases().Keys];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Deserialize_EveryTruncationBitFlipAndRandomReplacementOfAShape_ValueOrMessagePackException(string shape)
    {
        var (payload, decode) = ShapeCases()[shape];
        await Untrusted.WithinAsync(s_budget, () =>
        {
            Assert.True(decode(payload));
            for (var length = 0; length < payload.Length; length++)
            {
                decode(payload.AsSpan(0, length).ToArray());
            }

            for (var position = 0; position < payload.Length; position++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    var mutated = (byte[])payload.Clone();
                    mutated[position] ^= (byte)(1 << bit);
                    decode(mutated);
                }
            }

            var random = new Random(shape.Length);
            for (var i = 0; i < 500; i++)
            {
                var mutated = (byte[])payload.Clone();
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                decode(mutated);
            }
        });
    }

    private static Dictionary<string, (byte[] Payload, Func<byte[], bool> Decode)> ShapeCases() => new()
    {
        ["record (constructor)"] = Case(new PersonRecord("Ada", 36, ["ada@example.org", "a@b.c"])),
        ["record struct"] = Case(new PointStruct(3, -4)),
        ["fields struct"] = Case(new MutableStruct { A = 9, B = "b" }),
        ["init and required"] = Case(new InitOnly { Name = "n", Count = 4, Tags = ["x"] }),
        ["array layout (reflection)"] = Case(new CompactReflected { Id = 1, Name = "a" }),
        ["every collection"] = Case(new Collections
        {
            Array = [1, 2], List = ["a", null!], Enumerable = [3], Collection = [4], ListInterface = [5], ReadOnlyCollection = [6],
            ReadOnlyList = [new PointStruct(1, 2)], Dictionary = new() { ["k"] = 1 }, DictionaryInterface = new Dictionary<int, string> { [1] = "x" },
            ReadOnlyDictionary = new Dictionary<string, PersonRecord> { ["p"] = new PersonRecord("P", 1, ["e"]) }, Set = [Guid.Empty], Nullables = [1, null],
        }),
        ["tree (reflection)"] = Case(new TreeNode { Name = "r", Children = [new TreeNode { Name = "a", Children = [new TreeNode { Name = "b" }] }] }),
        ["derived and renamed"] = Case(new DerivedEntity { Id = 7, Title = "t", DisplayName = "d" }),
        ["generated record"] = Case(new GenCustomer("Grace", "g@example.org", new GenAddress("1 Main St", "Arlington", "22201"))),
        ["generated array layout"] = Case(new GenCompact { Id = 1, Name = "n", Values = [1, -1, long.MaxValue] }),
        ["generated tree"] = Case(new GenTree { Name = "r", Children = [new GenTree { Name = "c", Children = [new GenTree()] }] }),
        ["generated renamed"] = Case(new GenNamed { UserId = 5, Unicode = "значение" }),
        ["generated generic"] = Case(new GenPage<GenCustomer> { Items = [new GenCustomer("A", "a", null)], Total = 1 }),
        ["generated list"] = Case(new List<GenLine> { new() { Sku = "A", Quantity = 1, UnitPrice = 2.5m, Weight = 0.5, Discount = 0.1f } }),
        ["wide numbers"] = Case(new WideNumberTests.WideNumbers { Big = Int128.MinValue, Unsigned = UInt128.MaxValue, Huge = System.Numerics.BigInteger.Pow(3, 90), Small = (Half)0.5 }),
        ["scalars"] = Case((1.5m, Guid.NewGuid(), DateTime.UnixEpoch.AddTicks(12345), DateTimeOffset.UnixEpoch.AddYears(600), 'ж', TimeSpan.FromTicks(-5), Status.Shipped)),
        ["key value pair"] = Case(new KeyValuePair<string, int?>("k", 3)),
        ["set and lookup"] = Case((new HashSet<string> { "a", "b" }, new Dictionary<int, List<double>> { [1] = [0.1, 2] })),
        ["get-only collections (reflection)"] = Case(GetOnlyOrder()),
        ["get-only collections (generated)"] = Case(GenGetOnlyShapes()),
    };

    private static GetOnlyOrder GetOnlyOrder()
    {
        var order = new GetOnlyOrder { Id = 1 };
        order.Lines.Add(new GetOnlyLine { Sku = "A", Quantity = 2 });
        order.Meta["k"] = "v";
        return order;
    }

    private static GenGetOnlyShapes GenGetOnlyShapes()
    {
        var shapes = new GenGetOnlyShapes { Id = 2 };
        shapes.List.Add(3);
        shapes.Scores["a"] = 1;
        shapes.Names[4] = null;
        return shapes;
    }

    private static (byte[] Payload, Func<byte[], bool> Decode) Case<T>(T value)
    {
        var serializer = Mp.Serializer<T>();
        return (Mp.Serialize(value), bytes => Untrusted.TryDeserialize(serializer, bytes));
    }

    [Fact]
    public async Task Deserialize_RandomByteReplacements_ValueOrMessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var random = new Random(42);
            var payload = Mp.Serialize(Samples.Order());
            var serializer = Mp.Serializer<GenOrder>();
            for (var i = 0; i < 3000; i++)
            {
                var mutated = (byte[])payload.Clone();
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                Untrusted.TryDeserialize(serializer, mutated);
            }
        });
    }
}
