using System.Buffers;
using HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Robustness;

/// <summary>Declared lengths, depth and the configured limits: rejected before anything is allocated for them.</summary>
public sealed class LimitTests
{
    [Theory]
    [InlineData("c6ffffffff0102030405", "binary")] // bin 32 declaring 4 GiB, 5 bytes present
    [InlineData("dbffffffff0102030405", "string")] // str 32
    [InlineData("c9ffffffff050102030405", "extension")] // ext 32
    [InlineData("ddffffffff0102030405", "array")] // array 32
    [InlineData("dfffffffff0102030405", "map")] // map 32
    [InlineData("dc7fff01", "array")] // array 16 declaring 32767 elements, 1 present
    public void Read_HugeDeclaredLength_RejectedWithoutAllocating(string hex, string kind)
    {
        var bytes = Hex.Parse(hex);
        var serializers = new Func<bool>[]
        {
            () => Untrusted.TryDeserialize(Mp.Serializer<byte[]?[]>(), bytes),
            () => Untrusted.TryDeserialize(Mp.Serializer<List<string>>(), bytes),
            () => Untrusted.TryDeserialize(Mp.Serializer<Dictionary<string, int>>(), bytes),
            () => Untrusted.TryDeserialize(Mp.Serializer<GenOrder>(), bytes),
            () => Untrusted.TrySkipAll(bytes),
        };
        foreach (var attempt in serializers)
        {
            attempt(); // warm up: first calls build serializers
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var attempt in serializers)
        {
            Assert.False(attempt());
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"{kind}: {allocated} bytes allocated for a rejected header");
    }

    [Fact]
    public void Read_NestedCollectionsDeclaringManyLargeElements_AllocateInProportionToTheInput()
    {
        // Every level declares 4096 elements, which the 4.6 KB of trailing zeros make plausible, and each level checks
        // its count against the same trailing bytes. Pre-sizing each level for 4096 structs of 270 bytes allocated
        // 33 MB (7,465 times the input) before the depth limit stopped the read.
        var level = Hex.Parse("81a44b696473dc1000"); // {"Kids": array16 of 4096}
        var input = Hex.Parse("dc1000")
            .Concat(Enumerable.Repeat(level, 60).SelectMany(b => b))
            .Concat(new byte[4096])
            .ToArray();

        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<LargeNode[]>(), input));
        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<List<LargeNode>>(), input));
        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<HashSet<LargeNode>>(), input));
    }

    [Fact]
    public void Read_DeclaredLengthBeyondData_MessageNamesOffsetAndCount()
    {
        var ex = Assert.Throws<MessagePackSerializationException>(() => Hex.Read("c6ffffffff0102030405", (ref MessagePackReader r) => r.ReadBinary()));
        Assert.Contains("4294967295", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_NestingBeyondMaxDepth_Rejected()
    {
        var deep = Enumerable.Repeat((byte)0x91, 65).Append((byte)0xc0).ToArray();
        var ok = Enumerable.Repeat((byte)0x91, 64).Append((byte)0xc0).ToArray();

        Assert.False(Untrusted.TrySkipAll(deep));
        Assert.True(Untrusted.TrySkipAll(ok));

        // 100,000 nested arrays: rejected at depth 65, not a stack overflow.
        Assert.False(Untrusted.TrySkipAll(Enumerable.Repeat((byte)0x91, 100_000).Append((byte)0xc0).ToArray()));
        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<List<List<List<int>>>>(), Enumerable.Repeat((byte)0x91, 100_000).ToArray()));
        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<TreeNode>(), Hex.Parse(string.Concat(Enumerable.Repeat("81a84368696c6472656e91", 1000)))));
    }

    [Fact]
    public void Read_ConfiguredLimits_Enforced()
    {
        var options = new MessagePackSerializerOptions { MaxCollectionLength = 3, MaxStringBytes = 4, MaxBinaryBytes = 2, MaxInputBytes = 64, MaxDepth = 2 };
        var factory = new MessagePackHybridCacheSerializerFactory(options);

        Assert.Equal([1, 2, 3], Mp.Deserialize<List<int>>(Hex.Parse("93010203"), factory));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<List<int>>(Hex.Parse("9401020304"), factory));
        Assert.Equal("abcd", Mp.Deserialize<List<string>>(Hex.Parse("91a461626364"), factory)[0]);
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<List<string>>(Hex.Parse("91a56162636465"), factory));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<List<byte[]>>(Hex.Parse("91c403010203"), factory));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<List<int>>(new byte[65], factory));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<List<List<List<int>>>>(Hex.Parse("91919100"), factory));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Dictionary<string, int>>(Hex.Parse("84a16101a16202a16303a16404"), factory));
    }

    [Fact]
    public void Options_OutOfRange_ExceptionNamesSetting()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MessagePackHybridCacheSerializerFactory(new MessagePackSerializerOptions { MaxStringBytes = 0 }));
        Assert.Equal(nameof(MessagePackSerializerOptions.MaxStringBytes), ex.ParamName);
        Assert.Contains("MaxStringBytes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MessagePackHybridCacheSerializerFactory(new MessagePackSerializerOptions { MaxDepth = 0 }));
        Assert.Throws<InvalidOperationException>(() => new MessagePackHybridCacheSerializerFactory().Options.MaxDepth = 3);
    }

    [Theory]
    [InlineData("c1", "int", "never-used format byte")]
    [InlineData("a1", "string", "only 0 remain")] // fixstr without its byte
    [InlineData("db00000005616263", "string", "only 3 remain")] // str 32 cut short
    [InlineData("a2c328", "string", "UTF-8")] // invalid UTF-8
    [InlineData("0102", "int", "unexpected bytes")] // trailing data
    [InlineData("", "int", "ends early")] // nothing at all
    [InlineData("d6fe00000000", "DateTime", "extension type -2")] // not a timestamp
    [InlineData("c705ff0000000000", "DateTime", "only 4, 8 and 12")] // timestamp with 5 bytes
    [InlineData("d7ffffffffff00000000", "DateTime", "nanoseconds")] // nanoseconds > 999,999,999
    [InlineData("c70cff000000007fffffffffffffff", "DateTime", "outside the range of DateTime")] // year 292 billion
    public void Read_MalformedInput_MessagePackExceptionWithClearMessage(string hex, string type, string expected)
    {
        var bytes = Hex.Parse(hex);
        var ex = Assert.Throws<MessagePackSerializationException>(() =>
        {
            _ = type switch
            {
                "int" => Mp.Deserialize<int>(bytes),
                "string" => Mp.Deserialize<List<string>>([0x91, .. bytes]).Count,
                _ => Mp.Deserialize<DateTime>(bytes).Year,
            };
        });
        Assert.Contains(expected, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("a3616263", "Int32")] // a string for an int
    [InlineData("cd012c", "Byte")] // 300 for a byte
    [InlineData("cfffffffffffffffff", "Int64")] // uint64 max for a long
    [InlineData("c3", "an integer")] // a boolean for an int
    public void Read_WrongTypeOrOverflow_MessagePackException(string hex, string expected)
    {
        var ex = Assert.Throws<MessagePackSerializationException>(() =>
        {
            var bytes = Hex.Parse(hex);
            if (expected == "Byte")
            {
                Mp.Deserialize<byte>(bytes);
            }
            else if (expected == "Int64")
            {
                Mp.Deserialize<long>(bytes);
            }
            else
            {
                Mp.Deserialize<int>(bytes);
            }
        });
        Assert.Contains(expected == "Int32" ? "integer" : expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_ExceptionFromUserCode_WrappedInMessagePackException()
    {
        var ex = Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Throwing>(Hex.Parse("81a556616c756505")));
        Assert.IsType<InvalidOperationException>(ex.InnerException?.InnerException ?? ex.InnerException);
    }

    [Fact]
    public void Read_MultiSegmentSequence_SameAsContiguous()
    {
        var payload = Mp.Serialize(Samples.Order());
        var first = new Segment(payload.AsMemory(0, 10));
        var last = first.Append(payload.AsMemory(10, 100)).Append(payload.AsMemory(110));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

        var order = Mp.Serializer<GenOrder>().Deserialize(sequence);

        Assert.Equal(payload, Mp.Serialize(order));
    }

    public sealed class Throwing
    {
        private int _value;

        public int Value
        {
            get => _value;
            set => _value = value < 10 ? throw new InvalidOperationException("too small") : value;
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}

/// <summary>A 270-byte struct that holds a collection of its own kind: one input byte can decode to one of these.</summary>
public struct LargeNode
{
    public decimal A { get; set; }
    public decimal B { get; set; }
    public decimal C { get; set; }
    public decimal D { get; set; }
    public decimal E { get; set; }
    public decimal F { get; set; }
    public decimal G { get; set; }
    public decimal H { get; set; }
    public decimal I { get; set; }
    public decimal J { get; set; }
    public decimal K { get; set; }
    public decimal L { get; set; }
    public decimal M { get; set; }
    public decimal N { get; set; }
    public decimal O { get; set; }
    public decimal P { get; set; }
    public LargeNode[]? Kids { get; set; }
}
