using System.Numerics;
using HybridCacheKit.Serialization.MessagePack.Resolution;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

/// <summary>
/// Int128, UInt128, BigInteger and Half have formatters of their own (before, the fallback wrote them as an empty map
/// and read them back as 0): an int when it fits int 64 or uint 64, else a str of the decimal digits; Half as float 32.
/// </summary>
public sealed class WideNumberTests
{
    public static TheoryData<string> Int128Values() =>
    [
        "0", "-1", "127", "-9223372036854775808", "9223372036854775807", "18446744073709551615", "18446744073709551616",
        "-9223372036854775809", "170141183460469231731687303715884105727", "-170141183460469231731687303715884105728",
    ];

    [Theory]
    [MemberData(nameof(Int128Values))]
    public void RoundTrip_Int128AndBigInteger_Equal(string digits)
    {
        var int128 = Int128.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        var big = BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(int128, Mp.RoundTrip(int128));
        Assert.Equal(big, Mp.RoundTrip(big));
        Assert.Equal(Mp.Serialize(int128), Mp.Serialize(big));
    }

    [Theory]
    [InlineData("0", "00")]
    [InlineData("-1", "ff")]
    [InlineData("18446744073709551615", "cfffffffffffffffff")]
    [InlineData("-9223372036854775808", "d38000000000000000")]
    [InlineData("18446744073709551616", "b4 3138343436373434303733373039353531363136")]
    [InlineData("-9223372036854775809", "b4 2d39323233333732303336383534373735383039")]
    public void Serialize_Int128_IntWhenItFitsElseDigits(string digits, string expected)
        => Assert.Equal(expected.Replace(" ", "", StringComparison.Ordinal), Mp.ToHex(Int128.Parse(digits, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void RoundTrip_UInt128_EqualAndNegativeRejected()
    {
        Assert.Equal(UInt128.MaxValue, Mp.RoundTrip(UInt128.MaxValue));
        Assert.Equal((UInt128)ulong.MaxValue, Mp.RoundTrip((UInt128)ulong.MaxValue));
        Assert.Equal("cfffffffffffffffff", Mp.ToHex((UInt128)ulong.MaxValue));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<UInt128>([0xff]));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<UInt128>(Hex.Parse("a2 2d31")));
    }

    [Fact]
    public void RoundTrip_HugeBigInteger_DigitsUpToTheLimit()
    {
        var limit = BigInteger.Pow(10, 4300) - 1;

        Assert.Equal(limit, Mp.RoundTrip(limit));
        Assert.Equal(-limit, Mp.RoundTrip(-limit));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Serialize(limit + 1));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Serialize(BigInteger.One << 100_000));

        // 4,301 digits from a peer: refused before parsing.
        var tooLong = new byte[3 + 4301];
        tooLong[0] = 0xda;
        tooLong[1] = 4301 >> 8;
        tooLong[2] = 4301 & 0xff;
        tooLong.AsSpan(3).Fill((byte)'9');
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<BigInteger>(tooLong));
    }

    [Fact]
    public void Deserialize_WideIntegersFromPeers_IntOrDigits()
    {
        Assert.Equal((Int128)5, Mp.Deserialize<Int128>(Hex.Parse("a1 35")));
        Assert.Equal(new BigInteger(300), Mp.Deserialize<BigInteger>(Hex.Parse("cd012c")));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Int128>(Hex.Parse("a3 31 2e 35")));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Int128>(Hex.Parse("cb3ff8000000000000")));
        Assert.Throws<MessagePackSerializationException>(() => Mp.Deserialize<Int128>(Hex.Parse("d9 28" + Convert.ToHexString("1701411834604692317316873037158841057280"u8))));
    }

    [Fact]
    public void RoundTrip_Half_Float32Exact()
    {
        Half[] values = [(Half)0, (Half)(-0.0f), (Half)1.5, Half.MaxValue, Half.MinValue, Half.Epsilon, Half.PositiveInfinity, Half.NaN, (Half)0.1];

        foreach (var value in values)
        {
            Assert.Equal(BitConverter.HalfToUInt16Bits(value), BitConverter.HalfToUInt16Bits(Mp.RoundTrip(value)));
        }

        Assert.Equal("ca3fc00000", Mp.ToHex((Half)1.5));
    }

    [Fact]
    public void RoundTrip_ObjectWithWideNumbers_ReflectionAndGeneratedEqual()
    {
        var value = new WideNumbers { Big = Int128.MaxValue, Unsigned = UInt128.MaxValue, Huge = BigInteger.Pow(7, 200), Small = (Half)2.5 };
        var generated = new GenWideNumbers { Big = Int128.MaxValue, Unsigned = UInt128.MaxValue, Huge = BigInteger.Pow(7, 200), Small = (Half)2.5 };

        var copy = Mp.RoundTrip(value);

        Assert.Equivalent(value, copy, strict: true);
        Assert.Equal(Mp.Serialize(value), Mp.Serialize(generated));
        Assert.Equivalent(generated, Mp.RoundTrip(generated), strict: true);
    }

    [Fact]
    public void Find_WideNumbers_BuiltInWithoutReflection()
    {
        _ = FormatterResolver.Find<Int128>(out var origin, out _);

        Assert.Equal(FormatterOrigin.BuiltIn, origin);
    }

    public sealed class WideNumbers
    {
        public Int128 Big { get; set; }

        public UInt128 Unsigned { get; set; }

        public BigInteger Huge { get; set; }

        public Half Small { get; set; }
    }
}

[GenerateMessagePack]
public sealed class GenWideNumbers
{
    public Int128 Big { get; set; }

    public UInt128 Unsigned { get; set; }

    public BigInteger Huge { get; set; }

    public Half Small { get; set; }
}
