namespace HybridCacheKit.Serialization.MessagePack.Tests.Codec;

/// <summary>Byte-exact encodings, each worked out by hand from the MessagePack specification (msgpack/msgpack spec.md).</summary>
public sealed class GoldenEncodingTests
{
    [Fact]
    public void WriteNilAndBool_Always_SingleByteFormats()
    {
        Assert.Equal("c0", Hex.Encode((ref MessagePackWriter w) => w.WriteNil()));
        Assert.Equal("c2", Hex.Encode((ref MessagePackWriter w) => w.Write(false)));
        Assert.Equal("c3", Hex.Encode((ref MessagePackWriter w) => w.Write(true)));
    }

    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "cc80")]
    [InlineData(255UL, "ccff")]
    [InlineData(256UL, "cd0100")]
    [InlineData(65535UL, "cdffff")]
    [InlineData(65536UL, "ce00010000")]
    [InlineData(4294967295UL, "ceffffffff")]
    [InlineData(4294967296UL, "cf0000000100000000")]
    [InlineData(ulong.MaxValue, "cfffffffffffffffff")]
    public void WriteUInt64_Boundaries_SmallestFormat(ulong value, string expected)
    {
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.Write(value)));
        Assert.Equal(value, Hex.Read(expected, (ref MessagePackReader r) => r.ReadUInt64()));
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(127L, "7f")]
    [InlineData(128L, "cc80")]
    [InlineData(-1L, "ff")]
    [InlineData(-32L, "e0")]
    [InlineData(-33L, "d0df")]
    [InlineData(-128L, "d080")]
    [InlineData(-129L, "d1ff7f")]
    [InlineData(-32768L, "d18000")]
    [InlineData(-32769L, "d2ffff7fff")]
    [InlineData(-2147483648L, "d280000000")]
    [InlineData(-2147483649L, "d3ffffffff7fffffff")]
    [InlineData(long.MinValue, "d38000000000000000")]
    [InlineData(long.MaxValue, "cf7fffffffffffffff")]
    public void WriteInt64_Boundaries_SmallestFormat(long value, string expected)
    {
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.Write(value)));
        Assert.Equal(value, Hex.Read(expected, (ref MessagePackReader r) => r.ReadInt64()));
    }

    [Theory]
    [InlineData(127, "7f")]
    [InlineData(128, "cc80")]
    [InlineData(-33, "d0df")]
    [InlineData(int.MaxValue, "ce7fffffff")]
    public void WriteInt32_Boundaries_SameBytesAsInt64(int value, string expected)
        => Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.Write(value)));

    [Fact]
    public void WriteFloat_Single_AlwaysFloat32()
    {
        Assert.Equal("ca3fc00000", Hex.Encode((ref MessagePackWriter w) => w.Write(1.5f)));
        Assert.Equal("ca3dcccccd", Hex.Encode((ref MessagePackWriter w) => w.Write(0.1f)));
        Assert.Equal(1.5f, Hex.Read("ca3fc00000", (ref MessagePackReader r) => r.ReadSingle()));
    }

    [Theory]
    [InlineData(1.5, "ca3fc00000")] // exact in float 32: the smaller form
    [InlineData(-0.25, "cabe800000")]
    [InlineData(double.PositiveInfinity, "ca7f800000")]
    [InlineData(0.1, "cb3fb999999999999a")] // not exact in float 32
    [InlineData(Math.PI, "cb400921fb54442d18")]
    [InlineData(1e300, "cb7e37e43c8800759c")]
    public void WriteFloat_Double_SmallestExactFormat(double value, string expected)
    {
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.Write(value)));
        Assert.Equal(value, Hex.Read(expected, (ref MessagePackReader r) => r.ReadDouble()));
    }

    [Fact]
    public void WriteFloat_DoubleNaNAndNegativeZero_KeptExactly()
    {
        Assert.True(double.IsNaN(Hex.Read(Hex.Bytes((ref MessagePackWriter w) => w.Write(double.NaN)), (ref MessagePackReader r) => r.ReadDouble())));
        Assert.Equal("ca80000000", Hex.Encode((ref MessagePackWriter w) => w.Write(-0.0)));
        Assert.True(double.IsNegative(Hex.Read("ca80000000", (ref MessagePackReader r) => r.ReadDouble())));
    }

    [Theory]
    [InlineData(0, "a0")]
    [InlineData(1, "a1")]
    [InlineData(31, "bf")]
    [InlineData(32, "d920")]
    [InlineData(255, "d9ff")]
    [InlineData(256, "da0100")]
    [InlineData(65535, "daffff")]
    [InlineData(65536, "db00010000")]
    public void WriteString_LengthBoundaries_SmallestHeader(int length, string header)
    {
        var value = new string('x', length);
        var expected = Hex.Repeat(header, "78", length);
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.Write(value)));
        Assert.Equal(value, Hex.Read(expected, (ref MessagePackReader r) => r.ReadString()));
    }

    [Fact]
    public void WriteString_MultiByteUtf8_LengthCountsBytes()
    {
        Assert.Equal("a2c3a9", Hex.Encode((ref MessagePackWriter w) => w.Write("é")));
        Assert.Equal("a4f09f9880", Hex.Encode((ref MessagePackWriter w) => w.Write("😀")));

        // 11 three-byte characters: 33 bytes, past the fixstr limit although it is 11 characters.
        Assert.StartsWith("d921", Hex.Encode((ref MessagePackWriter w) => w.Write(new string('€', 11))), StringComparison.Ordinal);
        Assert.StartsWith("bf", Hex.Encode((ref MessagePackWriter w) => w.Write(new string('é', 15) + "a")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "c400")]
    [InlineData(1, "c401")]
    [InlineData(255, "c4ff")]
    [InlineData(256, "c50100")]
    [InlineData(65535, "c5ffff")]
    [InlineData(65536, "c600010000")]
    public void WriteBinary_LengthBoundaries_SmallestHeader(int length, string header)
    {
        var value = Enumerable.Repeat((byte)0xab, length).ToArray();
        var expected = Hex.Repeat(header, "ab", length);
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.WriteBinary(value)));
        Assert.Equal(value, Hex.Read(expected, (ref MessagePackReader r) => r.ReadBinary()));
    }

    [Theory]
    [InlineData(0, "90")]
    [InlineData(15, "9f")]
    [InlineData(16, "dc0010")]
    [InlineData(65535, "dcffff")]
    [InlineData(65536, "dd00010000")]
    public void WriteArrayHeader_CountBoundaries_SmallestHeader(int count, string expected)
    {
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.WriteArrayHeader(count)));
        var payload = Hex.Repeat(expected, "c0", count);
        Assert.Equal(count, Hex.Read(payload, (ref MessagePackReader r) =>
        {
            var n = r.ReadArrayHeader();
            for (var i = 0; i < n; i++)
            {
                r.ReadNil();
            }

            return n;
        }));
    }

    [Theory]
    [InlineData(0, "80")]
    [InlineData(15, "8f")]
    [InlineData(16, "de0010")]
    [InlineData(65535, "deffff")]
    [InlineData(65536, "df00010000")]
    public void WriteMapHeader_CountBoundaries_SmallestHeader(int count, string expected)
    {
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.WriteMapHeader(count)));
        var payload = Hex.Repeat(expected, "00c0", count);
        Assert.Equal(count, Hex.Read(payload, (ref MessagePackReader r) =>
        {
            var n = r.ReadMapHeader();
            for (var i = 0; i < n; i++)
            {
                r.Skip();
                r.Skip();
            }

            return n;
        }));
    }

    [Theory]
    [InlineData(1, "d405")]
    [InlineData(2, "d505")]
    [InlineData(4, "d605")]
    [InlineData(8, "d705")]
    [InlineData(16, "d805")]
    [InlineData(0, "c70005")]
    [InlineData(3, "c70305")]
    [InlineData(255, "c7ff05")]
    [InlineData(256, "c8010005")]
    [InlineData(65535, "c8ffff05")]
    [InlineData(65536, "c90001000005")]
    public void WriteExtension_Lengths_FixExtOrSmallestExt(int length, string header)
    {
        var data = Enumerable.Repeat((byte)0x11, length).ToArray();
        var expected = Hex.Repeat(header, "11", length);
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.WriteExtension(5, data)));
        var (type, read) = Hex.Read(expected, (ref MessagePackReader r) =>
        {
            var t = r.ReadExtension(out var d);
            return (t, d.ToArray());
        });
        Assert.Equal(5, type);
        Assert.Equal(data, read);
    }

    [Fact]
    public void WriteExtension_NegativeType_TwosComplementByte()
        => Assert.Equal("d4fe07", Hex.Encode((ref MessagePackWriter w) => w.WriteExtension(-2, [7])));

    [Theory]
    [InlineData(0L, 0U, "d6ff00000000")]
    [InlineData(1L, 0U, "d6ff00000001")]
    [InlineData(4294967295L, 0U, "d6ffffffffff")]
    [InlineData(4294967296L, 0U, "d7ff0000000100000000")]
    [InlineData(0L, 500000000U, "d7ff7735940000000000")]
    [InlineData(17179869183L, 999999999U, "d7ffee6b27ffffffffff")]
    [InlineData(17179869184L, 0U, "c70cff000000000000000400000000")]
    [InlineData(-1L, 0U, "c70cff00000000ffffffffffffffff")]
    [InlineData(-1L, 999999999U, "c70cff3b9ac9ffffffffffffffffff")]
    public void WriteTimestamp_Range_Smallest32Or64Or96BitForm(long seconds, uint nanoseconds, string expected)
    {
        Assert.Equal(expected, Hex.Encode((ref MessagePackWriter w) => w.WriteTimestamp(seconds, nanoseconds)));
        var (s, ns) = Hex.Read(expected, (ref MessagePackReader r) =>
        {
            r.ReadTimestamp(out var sec, out var nsec);
            return (sec, nsec);
        });
        Assert.Equal(seconds, s);
        Assert.Equal(nanoseconds, ns);
    }

    [Fact]
    public void DateTime_KnownInstants_TimestampForms()
    {
        var formatter = MessagePackFormatters.DateTime;

        // 2026-11-01T12:00:00Z is 1793534400 s since the epoch (0x6AE729C0): timestamp 32.
        var noon = new DateTime(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal("d6ff6ae729c0", Hex.Encode((ref MessagePackWriter w) => formatter.Serialize(ref w, noon)));

        // Plus 123 ms: 123,000,000 ns (0x0754D4C0) shifted up 34 bits, OR the seconds: timestamp 64.
        Assert.Equal("d7ff1d5353006ae729c0", Hex.Encode((ref MessagePackWriter w) => formatter.Serialize(ref w, noon.AddMilliseconds(123))));

        // 0001-01-01: -62135596800 s (0xFFFFFFF1886E0900): timestamp 96.
        Assert.Equal("c70cff00000000fffffff1886e0900", Hex.Encode((ref MessagePackWriter w) => formatter.Serialize(ref w, DateTime.MinValue)));
        Assert.Equal(noon.AddMilliseconds(123), Hex.Read("d7ff1d5353006ae729c0", (ref MessagePackReader r) => formatter.Deserialize(ref r)));
    }

    [Fact]
    public void ScalarFormatters_GuidDecimalTimeSpanEnum_DocumentedForms()
    {
        var guid = Guid.Parse("01234567-89ab-cdef-0123-456789abcdef");
        Assert.Equal("d924" + Convert.ToHexStringLower("01234567-89ab-cdef-0123-456789abcdef"u8),
            Hex.Encode((ref MessagePackWriter w) => MessagePackFormatters.Guid.Serialize(ref w, guid)));
        Assert.Equal("a63234392e3930", Hex.Encode((ref MessagePackWriter w) => MessagePackFormatters.Decimal.Serialize(ref w, 249.90m)));
        Assert.Equal("ce3b9aca00", Hex.Encode((ref MessagePackWriter w) => MessagePackFormatters.TimeSpan.Serialize(ref w, TimeSpan.FromSeconds(100))));
        Assert.Equal("02", Hex.Encode((ref MessagePackWriter w) => MessagePackFormatters.Enum<DayOfWeek>().Serialize(ref w, DayOfWeek.Tuesday)));
    }
}
