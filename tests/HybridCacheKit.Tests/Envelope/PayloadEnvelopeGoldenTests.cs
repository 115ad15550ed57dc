using HybridCacheKit.Internal.Envelope;
using static HybridCacheKit.Tests.Envelope.EnvelopeTestHelpers;

namespace HybridCacheKit.Tests.Envelope;

/// <summary>
/// Version 1 byte for byte. These bytes were produced by an independent implementation of docs/wire-format.md, not
/// copied from this one. If a test here fails, the format changed: entries already in L2 would stop reading. Bump the
/// version instead of editing the hex.
/// </summary>
public class PayloadEnvelopeGoldenTests
{
    private const string ExampleHex =
        "48434B" + "01" + "00" + "47000000" + "0000B3A69EA1DA08" + "00687708A7A1DA08" + "60E3160000000000"
        + "07757365723A3432" + "02" + "057573657273" + "0874656E616E743A37"
        + "09" + "7B226964223A34327D" + "8CBC04EA";

    private const string MinimalHex =
        "48434B" + "01" + "00" + "28000000" + "0000000000000000" + "0000000000000000" + "0000000000000000"
        + "00" + "00" + "00" + "EEEC6C8A";

    private static readonly string UnicodeHex =
        "48434B" + "01" + "00" + "BE000000" + "004016F95D68DC08" + "FFFFFFFFFFFFFFFF" + "00C0692AC9000000"
        + "0A636166C3A93AF09F9880" + "02" + "02C3BC" + "8201" + string.Concat(Enumerable.Repeat("61", 130))
        + "05" + "0001020304" + "4E13CE4C";

    public static TheoryData<string> Cases => ["example", "minimal", "unicode"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Write_GoldenInput_ProducesExactBytes(string name)
    {
        var (key, metadata, payload, hex) = Case(name);

        var envelope = Write(key, metadata, payload);

        Assert.Equal(hex, Hex(envelope));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryRead_GoldenBytes_YieldsExpectedMetadataAndPayload(string name)
    {
        var (key, expected, payload, hex) = Case(name);

        var status = PayloadEnvelope.TryRead(Convert.FromHexString(hex), key, NoLimit, out var metadata, out var read);

        Assert.Equal(EnvelopeReadStatus.Ok, status);
        Assert.Equal(expected.CreatedUtcTicks, metadata.CreatedUtcTicks);
        Assert.Equal(expected.ExpiresUtcTicks, metadata.ExpiresUtcTicks);
        Assert.Equal(expected.FactoryDurationTicks, metadata.FactoryDurationTicks);
        Assert.Equal(expected.Tags, metadata.Tags);
        Assert.Equal(payload, read.ToArray());
    }

    [Fact]
    public void Write_GoldenExample_MatchesTheExampleInTheDesignNote()
    {
        var envelope = Write("user:42", Metadata("users", "tenant:7"), "{\"id\":42}"u8);

        Assert.Equal(71, envelope.Length);
        Assert.Equal(0xEA04BC8Cu, BitConverter.ToUInt32(envelope, envelope.Length - 4));
    }

    [Fact]
    public void Write_Compressed_LaysOutFieldsAsDocumented()
    {
        // Brotli's output is not pinned (it may change between runtimes), so the compressed bytes come from the
        // encoder with the documented settings; everything around them is fixed by the format.
        var payload = Compressible(1000);
        var brotli = new byte[1000];
        Assert.True(System.IO.Compression.BrotliEncoder.TryCompress(payload, brotli, out var written, quality: 4, window: 22));
        var expected = Forge(
            PayloadEnvelope.BrotliFlag,
            [0x01],
            Utf8("k"),
            [0x01, 0x01],
            Utf8("t"),
            [0xE8, 0x07], // U = 1000
            VarUInt((uint)written),
            BitConverter.GetBytes(Crc32C.Compute(payload)),
            brotli[..written]);
        var ticks = Convert.FromHexString("0000B3A69EA1DA08" + "00687708A7A1DA08" + "60E3160000000000");
        ticks.CopyTo(expected, PayloadEnvelope.TicksOffset);
        expected = Reseal(expected);

        var envelope = Write("k", Metadata("t"), payload, System.IO.Compression.CompressionLevel.Optimal);

        Assert.Equal(Hex(expected), Hex(envelope));
    }

    private static (string Key, EnvelopeMetadata Metadata, byte[] Payload, string Hex) Case(string name) => name switch
    {
        "example" => ("user:42", new EnvelopeMetadata(638_000_000_000_000_000, 638_000_036_000_000_000, 1_500_000, ["users", "tenant:7"]), Utf8("{\"id\":42}"), ExampleHex),
        "minimal" => ("", new EnvelopeMetadata(0, 0, 0, []), [], MinimalHex),
        "unicode" => ("café:😀", new EnvelopeMetadata(638_500_000_000_000_000, -1, 864_000_000_000, ["ü", new string('a', 130)]), [0, 1, 2, 3, 4], UnicodeHex),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
