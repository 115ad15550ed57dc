using System.Buffers;
using HybridCacheKit.Serialization.MessagePack.Reflection;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

/// <summary>
/// A constructor parameter's default value is used when the payload lacks its member (an older writer, a peer that
/// leaves it out), on the generated and the reflection path alike; before, both passed default(T).
/// </summary>
public sealed class ConstructorDefaultTests
{
    // {"A": 1}
    private static readonly byte[] s_onlyA = Hex.Parse("81 a1 41 01");

    [Fact]
    public void Deserialize_GeneratedRecordWithoutDefaultedMembers_ConstructorDefaults()
    {
        var value = Mp.Deserialize<GenWithDefaults>(s_onlyA);

        Assert.Equal(new GenWithDefaults(1), value);
        Assert.Equal((5, "x \"q\"\n", Status.Shipped, 1.25m, -0.5f, long.MinValue, 3, 'q', Big.Huge, ulong.MaxValue, true),
            (value.B, value.C, value.S, value.D, value.F, value.L, value.N, value.Ch, value.Huge, value.U, value.Flag));
        Assert.True(double.IsNaN(value.E));
        Assert.Null(value.Z);
        Assert.Equal(Guid.Empty, value.G);
    }

    [Fact]
    public void Deserialize_ReflectedRecordWithoutDefaultedMembers_ConstructorDefaults()
    {
        var value = Mp.Deserialize<WithDefaults>(s_onlyA);

        Assert.Equal(new WithDefaults(1), value);
        Assert.Equal((5, "x \"q\"\n", Status.Shipped, 1.25m, Big.Huge, ulong.MaxValue, true), (value.B, value.C, value.S, value.D, value.Huge, value.U, value.Flag));
    }

    [Fact]
    public void Deserialize_SameBytes_GeneratedAndReflectionGiveEqualValues()
    {
        // Without the defaulted members, with some of them (B = 7, N = nil), and complete.
        byte[][] payloads = [s_onlyA, Hex.Parse("83 a1 41 01 a1 42 07 a1 4e c0"), Mp.Serialize(new GenWithDefaults(2, 3, "c", Status.Pending, 0m, 1, 2, 3, null, 'z', "z", Guid.NewGuid(), 0, 0, false))];
        var reflected = (IMessagePackFormatter<GenWithDefaults>)ReflectionFormatters.BuildIsolated(typeof(GenWithDefaults));

        foreach (var payload in payloads)
        {
            var reader = new MessagePackReader(payload);
            Assert.Equal(reflected.Deserialize(ref reader), Mp.Deserialize<GenWithDefaults>(payload));
        }

        Assert.Equal(7, Mp.Deserialize<GenWithDefaults>(payloads[1]).B);
        Assert.Null(Mp.Deserialize<GenWithDefaults>(payloads[1]).N);
    }

    [Fact]
    public void Deserialize_ArrayLayoutParameterWithoutKey_ItsDefault()
    {
        var generated = Mp.Deserialize<GenCompactWithDefaults>([0x91, 0x03]);
        var reflected = (IMessagePackFormatter<GenCompactWithDefaults>)ReflectionFormatters.BuildIsolated(typeof(GenCompactWithDefaults));
        var reader = new MessagePackReader(new ReadOnlySequence<byte>([0x91, 0x03]));
        var viaReflection = reflected.Deserialize(ref reader);

        Assert.Equal((3, "none"), (generated.Id, generated.Label));
        Assert.Equal((3, "none"), (viaReflection.Id, viaReflection.Label));
    }
}
