using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using HybridCacheKit.Internal.Envelope;
using static HybridCacheKit.Tests.Envelope.EnvelopeTestHelpers;

namespace HybridCacheKit.Tests.Envelope;

public class PayloadEnvelopeCorruptionTests
{
    private const string Key = "user:42";

    // The key as the format stores it: length, then UTF-8.
    private static readonly byte[] KeyField = [.. VarUInt(7), .. Utf8(Key)];

    public static TheoryData<bool> Compressed => [false, true];

    private static byte[] Valid(bool compressed) => compressed
        ? Write(Key, Metadata("users", "tenant:7"), Compressible(300), CompressionLevel.Optimal)
        : Write(Key, Metadata("users", "tenant:7"), "{\"id\":42,\"name\":\"Ada\"}"u8);

    [Theory]
    [MemberData(nameof(Compressed))]
    public void TryRead_EveryTruncation_Truncated(bool compressed)
    {
        var envelope = Valid(compressed);
        Assert.Equal(compressed, envelope[4] == PayloadEnvelope.BrotliFlag);

        for (var length = 0; length < envelope.Length; length++)
        {
            var status = PayloadEnvelope.TryRead(envelope.AsMemory(0, length), Key, NoLimit, out var metadata, out var payload);

            Assert.Equal(EnvelopeReadStatus.Truncated, status);
            Assert.Null(metadata.Tags);
            Assert.True(payload.IsEmpty);
        }
    }

    [Theory]
    [MemberData(nameof(Compressed))]
    public void TryRead_EverySingleBitFlip_NotOk(bool compressed)
    {
        var envelope = Valid(compressed);

        for (var position = 0; position < envelope.Length; position++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])envelope.Clone();
                damaged[position] ^= (byte)(1 << bit);

                var status = PayloadEnvelope.TryRead(damaged, Key, NoLimit, out _, out _);

                var expected = position switch
                {
                    < 3 => [EnvelopeReadStatus.UnknownFormat],
                    3 => [EnvelopeReadStatus.UnsupportedVersion],
                    >= 5 and < 9 => new[] { EnvelopeReadStatus.Truncated, EnvelopeReadStatus.Malformed },
                    _ => [EnvelopeReadStatus.ChecksumMismatch],
                };
                Assert.True(expected.Contains(status), $"byte {position} bit {bit}: {status}");
            }
        }
    }

    [Fact]
    public void TryRead_RandomBytes_NeverThrowsNeverOk()
    {
        var random = new Random(20_260_101);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 4)
            {
                "HCK\u0001"u8.CopyTo(bytes); // past the marker and version, so the later checks run too
            }

            var status = PayloadEnvelope.TryRead(bytes, Key, NoLimit, out _, out _);

            Assert.NotEqual(EnvelopeReadStatus.Ok, status);
        }
    }

    [Fact]
    public void TryRead_RandomStructureBehindValidHeaderAndChecksum_NeverThrows()
    {
        // The checksum stops accidental damage; these reach the structural checks the way only a forger could.
        var random = new Random(99);
        var statuses = new HashSet<EnvelopeReadStatus>();
        for (var i = 0; i < 5000; i++)
        {
            var rest = new byte[random.Next(0, 120)];
            random.NextBytes(rest);
            var flags = (byte)(i % 3 == 0 ? random.Next(0, 4) : 0);

            var status = PayloadEnvelope.TryRead(Forge(flags, rest), Key, NoLimit, out _, out _);

            Assert.NotEqual(EnvelopeReadStatus.Ok, status);
            statuses.Add(status);
        }

        Assert.Contains(EnvelopeReadStatus.Malformed, statuses);
    }

    [Theory]
    [MemberData(nameof(Compressed))]
    public void TryRead_ValidEnvelopeWithRandomByteChangesAndResealed_NeverThrows(bool compressed)
    {
        var envelope = Valid(compressed);
        var random = new Random(5);
        for (var i = 0; i < 3000; i++)
        {
            var damaged = (byte[])envelope.Clone();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                damaged[random.Next(PayloadEnvelope.TicksOffset, damaged.Length - 4)] = (byte)random.Next(256);
            }

            _ = PayloadEnvelope.TryRead(Reseal(damaged), Key, NoLimit, out _, out _);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void TryRead_OtherVersion_UnsupportedVersion(byte version)
    {
        var envelope = Valid(compressed: false);
        envelope[3] = version;

        Assert.Equal(EnvelopeReadStatus.UnsupportedVersion, PayloadEnvelope.TryRead(Reseal(envelope), Key, NoLimit, out _, out _));
        Assert.Equal(EnvelopeReadStatus.UnsupportedVersion, PayloadEnvelope.TryRead(envelope.AsMemory(0, 4), Key, NoLimit, out _, out _));
    }

    // Statuses travel as names: the enum is internal and test methods are public.
    public static TheoryData<string, byte[], string> ForeignData => new()
    {
        { "empty", [], nameof(EnvelopeReadStatus.Truncated) },
        { "marker prefix", "HC"u8.ToArray(), nameof(EnvelopeReadStatus.Truncated) },
        { "marker and version only", "HCK\u0001"u8.ToArray(), nameof(EnvelopeReadStatus.Truncated) },
        { "wrong marker prefix", "HX"u8.ToArray(), nameof(EnvelopeReadStatus.UnknownFormat) },
        { "JSON string", Utf8("\"hello world, this is a cached string value\""), nameof(EnvelopeReadStatus.UnknownFormat) },
        { "JSON object", Utf8("{\"id\":42,\"name\":\"Ada Lovelace\",\"tags\":[\"a\",\"b\"]}"), nameof(EnvelopeReadStatus.UnknownFormat) },
        { "plain text starting like ours", Utf8("HCKX this is not an envelope at all, just text"), nameof(EnvelopeReadStatus.UnsupportedVersion) },
        { "Microsoft HybridCache v1", MicrosoftHybridCachePayload(), nameof(EnvelopeReadStatus.UnknownFormat) },
        { "zeros", new byte[64], nameof(EnvelopeReadStatus.UnknownFormat) },
    };

    [Theory]
    [MemberData(nameof(ForeignData))]
    public void TryRead_ForeignData_RejectedByHeader(string description, byte[] data, string expected)
    {
        _ = description;
        Assert.Equal(expected, PayloadEnvelope.TryRead(data, Key, NoLimit, out _, out _).ToString());
    }

    [Theory]
    [InlineData("b")]
    [InlineData("A")]
    [InlineData("a ")]
    [InlineData("")]
    [InlineData("aa")]
    public void TryRead_EnvelopeForOtherKey_KeyMismatch(string expectedKey)
    {
        var envelope = Write("a", Metadata(), "value"u8);

        Assert.Equal(EnvelopeReadStatus.KeyMismatch, PayloadEnvelope.TryRead(envelope, expectedKey, NoLimit, out var metadata, out var payload));
        Assert.Null(metadata.Tags);
        Assert.True(payload.IsEmpty);
    }

    [Fact]
    public void TryRead_CompressedForOtherKey_KeyMismatchBeforeDecompressing()
    {
        var envelope = Write("a", Metadata(), Compressible(100_000), CompressionLevel.Fastest);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var status = PayloadEnvelope.TryRead(envelope, "b", NoLimit, out _, out _);

        Assert.Equal(EnvelopeReadStatus.KeyMismatch, status);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1000);
    }

    [Fact]
    public void TryRead_DeclaredUncompressedLengthOverMaximum_PayloadTooLargeWithoutAllocating()
    {
        // A tiny compressed body that claims to expand to 2 GiB - 1: a zip bomb, as far as the reader can tell.
        var body = Brotli([1, 2, 3]);
        var bomb = Forge(PayloadEnvelope.BrotliFlag, KeyField, VarUInt(0), VarUInt(int.MaxValue), VarUInt((uint)body.Length), new byte[4], body);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var status = PayloadEnvelope.TryRead(bomb, Key, maximumPayloadBytes: 1024 * 1024, out _, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(EnvelopeReadStatus.PayloadTooLarge, status);
        Assert.True(allocated < 1000, $"allocated {allocated} bytes");
    }

    [Fact]
    public void TryRead_DeclaredLengthBeyondAnyArray_PayloadTooLargeEvenWithoutLimit()
    {
        var forged = Forge(PayloadEnvelope.BrotliFlag, KeyField, VarUInt(0), VarUInt(uint.MaxValue), VarUInt(1), new byte[4], [0]);

        Assert.Equal(EnvelopeReadStatus.PayloadTooLarge, PayloadEnvelope.TryRead(forged, Key, NoLimit, out _, out _));
    }

    [Theory]
    [InlineData(false, 99, nameof(EnvelopeReadStatus.PayloadTooLarge))]
    [InlineData(false, 100, nameof(EnvelopeReadStatus.Ok))]
    [InlineData(true, 99, nameof(EnvelopeReadStatus.PayloadTooLarge))]
    [InlineData(true, 100, nameof(EnvelopeReadStatus.Ok))]
    public void TryRead_PayloadAtAndOverMaximum_OkOnlyUpToMaximum(bool compressed, long maximum, string expected)
    {
        var envelope = Write(Key, Metadata(), Compressible(100), compressed ? CompressionLevel.Optimal : null);
        Assert.Equal(compressed, envelope[4] == PayloadEnvelope.BrotliFlag);

        Assert.Equal(expected, PayloadEnvelope.TryRead(envelope, Key, maximum, out _, out _).ToString());
    }

    [Fact]
    public void TryRead_CorruptedCompressedBytesWithValidChecksum_NeverOkWithWrongData()
    {
        var payload = Compressible(2000);
        var envelope = Write(Key, Metadata(), payload, CompressionLevel.Optimal);
        var compressedLength = envelope.Length - 4 - FindCompressedStart(envelope);
        var start = FindCompressedStart(envelope);
        var outcomes = new HashSet<EnvelopeReadStatus>();

        for (var position = start; position < start + compressedLength; position++)
        {
            foreach (var mask in new byte[] { 0x01, 0x10, 0x80, 0xFF })
            {
                var damaged = (byte[])envelope.Clone();
                damaged[position] ^= mask;

                var status = PayloadEnvelope.TryRead(Reseal(damaged), Key, NoLimit, out _, out var read);

                outcomes.Add(status);
                if (status == EnvelopeReadStatus.Ok)
                {
                    Assert.Equal(payload, read.ToArray()); // only a bit Brotli ignores; never different data
                }
                else
                {
                    Assert.Equal(EnvelopeReadStatus.DecompressionFailed, status);
                }
            }
        }

        Assert.Contains(EnvelopeReadStatus.DecompressionFailed, outcomes);
    }

    [Fact]
    public void TryRead_CompressedStreamWithStrayBytesAfterIt_DecompressionFailed()
    {
        var payload = Compressible(500);
        var body = Brotli(payload).Concat(new byte[] { 1, 2, 3 }).ToArray();
        var forged = Forge(PayloadEnvelope.BrotliFlag, KeyField, VarUInt(0), VarUInt((uint)payload.Length), VarUInt((uint)body.Length), Crc(payload), body);

        Assert.Equal(EnvelopeReadStatus.DecompressionFailed, PayloadEnvelope.TryRead(forged, Key, NoLimit, out _, out _));
    }

    [Fact]
    public void TryRead_CompressedStreamOfOtherDataOfSameSize_DecompressionFailed()
    {
        // A valid Brotli stream of the declared size whose content is not the payload the checksum was taken of.
        var payload = Compressible(500);
        var other = Compressible(500);
        other[250] ^= 1;
        var body = Brotli(other);
        var forged = Forge(PayloadEnvelope.BrotliFlag, KeyField, VarUInt(0), VarUInt(500), VarUInt((uint)body.Length), Crc(payload), body);

        Assert.Equal(EnvelopeReadStatus.DecompressionFailed, PayloadEnvelope.TryRead(forged, Key, NoLimit, out _, out _));
    }

    [Theory]
    [InlineData(499)]
    [InlineData(501)]
    public void TryRead_CompressedStreamOfOtherSizeThanDeclared_DecompressionFailed(int declared)
    {
        var payload = Compressible(500);
        var body = Brotli(payload);
        var forged = Forge(PayloadEnvelope.BrotliFlag, KeyField, VarUInt(0), VarUInt((uint)declared), VarUInt((uint)body.Length), Crc(payload), body);

        Assert.Equal(EnvelopeReadStatus.DecompressionFailed, PayloadEnvelope.TryRead(forged, Key, NoLimit, out _, out _));
    }

    [Fact]
    public void TryRead_BytesAppendedAfterTrailer_Malformed()
    {
        var envelope = Valid(compressed: false);

        foreach (var extra in new[] { 1, 4, 100 })
        {
            var longer = envelope.Concat(new byte[extra]).ToArray();
            Assert.Equal(EnvelopeReadStatus.Malformed, PayloadEnvelope.TryRead(longer, Key, NoLimit, out _, out _));
        }
    }

    public static TheoryData<string, byte, byte[][]> MalformedStructures => new()
    {
        { "unknown flag bit", 0x02, [KeyField, VarUInt(0), VarUInt(0)] },
        { "all flag bits", 0xFF, [KeyField, VarUInt(0), VarUInt(0)] },
        { "leftover byte before trailer", 0, [KeyField, VarUInt(0), VarUInt(1), [7], [0]] },
        { "raw payload runs past trailer", 0, [KeyField, VarUInt(0), VarUInt(5), [7]] },
        { "key runs past trailer", 0, [VarUInt(200), Utf8(Key), VarUInt(0), VarUInt(0)] },
        { "key length overlong varint", 0, [[0x83, 0x00], Utf8(Key), VarUInt(0), VarUInt(0)] },
        { "key length varint of 6 bytes", 0, [[0x83, 0x80, 0x80, 0x80, 0x80, 0x00], Utf8(Key), VarUInt(0), VarUInt(0)] },
        { "key length over 32 bits", 0, [[0xFF, 0xFF, 0xFF, 0xFF, 0x1F], Utf8(Key), VarUInt(0), VarUInt(0)] },
        { "key not UTF-8", 0, [VarUInt(3), [0x75, 0xC3, 0x28], VarUInt(0), VarUInt(0)] },
        { "key with encoded surrogate", 0, [VarUInt(3), [0xED, 0xA0, 0x80], VarUInt(0), VarUInt(0)] },
        { "absurd tag count", 0, [KeyField, VarUInt(uint.MaxValue), VarUInt(0)] },
        { "tag count one more than present", 0, [KeyField, VarUInt(2), VarUInt(1), Utf8("a"), VarUInt(0)] },
        { "tag runs past trailer", 0, [KeyField, VarUInt(1), VarUInt(int.MaxValue), Utf8("a"), VarUInt(0)] },
        { "tag not UTF-8", 0, [KeyField, VarUInt(1), VarUInt(1), [0xFF], VarUInt(0)] },
        { "missing payload length", 0, [KeyField, VarUInt(0)] },
        { "payload length cut off", 0, [KeyField, VarUInt(0), [0x80]] },
        { "compressed without stored length", PayloadEnvelope.BrotliFlag, [KeyField, VarUInt(0), VarUInt(10)] },
        { "compressed without payload checksum", PayloadEnvelope.BrotliFlag, [KeyField, VarUInt(0), VarUInt(10), VarUInt(0), [1, 2, 3]] },
        { "compressed stored length too long", PayloadEnvelope.BrotliFlag, [KeyField, VarUInt(0), VarUInt(10), VarUInt(9), new byte[4], [1, 2]] },
        { "compressed stored length too short", PayloadEnvelope.BrotliFlag, [KeyField, VarUInt(0), VarUInt(10), VarUInt(1), new byte[4], [1, 2]] },
    };

    [Theory]
    [MemberData(nameof(MalformedStructures))]
    public void TryRead_InvalidStructureWithValidChecksum_Malformed(string description, byte flags, byte[][] rest)
    {
        _ = description;
        Assert.Equal(EnvelopeReadStatus.Malformed, PayloadEnvelope.TryRead(Forge(flags, rest), Key, NoLimit, out _, out _));
    }

    [Fact]
    public void TryRead_ForgedButWellFormed_Ok()
    {
        // The forging helper itself is right: the same parts, well formed, read back.
        var forged = Forge(0, KeyField, VarUInt(1), VarUInt(1), Utf8("t"), VarUInt(2), [7, 8]);

        Assert.Equal(EnvelopeReadStatus.Ok, PayloadEnvelope.TryRead(forged, Key, NoLimit, out var metadata, out var payload));
        Assert.Equal(["t"], metadata.Tags);
        Assert.Equal([7, 8], payload.ToArray());
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(39u)]
    public void TryRead_TotalLengthBelowMinimum_Malformed(uint total)
    {
        var envelope = Valid(compressed: false);
        BinaryPrimitives.WriteUInt32LittleEndian(envelope.AsSpan(PayloadEnvelope.TotalLengthOffset), total);

        Assert.Equal(EnvelopeReadStatus.Malformed, PayloadEnvelope.TryRead(envelope, Key, NoLimit, out _, out _));
    }

    [Fact]
    public void TryRead_ChecksumOfOtherBytes_ChecksumMismatch()
    {
        var envelope = Valid(compressed: false);
        BinaryPrimitives.WriteUInt32LittleEndian(envelope.AsSpan(envelope.Length - 4), Crc32C.Compute(Encoding.ASCII.GetBytes("other")));

        Assert.Equal(EnvelopeReadStatus.ChecksumMismatch, PayloadEnvelope.TryRead(envelope, Key, NoLimit, out _, out _));
    }

    private static byte[] Crc(byte[] data) => BitConverter.GetBytes(Crc32C.Compute(data));

    /// <summary>Bytes laid out as Microsoft's HybridCache (v1) writes them to L2, built by hand from its documented layout.</summary>
    private static byte[] MicrosoftHybridCachePayload()
    {
        var bytes = new List<byte> { 0x03, 0x01, 0x34, 0x12 }; // sentinel + version, entropy
        bytes.AddRange(BitConverter.GetBytes(638_000_000_000_000_000L)); // creation ticks
        bytes.AddRange(VarUInt(0)); // flags
        bytes.AddRange(VarUInt(9)); // payload length
        bytes.AddRange(VarUInt(3_000_000_000)); // duration
        bytes.AddRange(VarUInt(0)); // tag count
        bytes.AddRange(VarUInt(3));
        bytes.AddRange(Utf8(Key[..3])); // key
        bytes.AddRange(Utf8("{\"id\":42}")); // payload
        bytes.AddRange(new byte[] { 0x03, 0x01 }); // sentinel again
        return [.. bytes];
    }

    private static int FindCompressedStart(byte[] envelope)
    {
        // Header, key "user:42", two tags, the U and C varints, the payload checksum, then the stored bytes.
        var position = PayloadEnvelope.FixedHeaderLength;
        position += 1 + envelope[position];
        var tags = envelope[position++];
        for (var i = 0; i < tags; i++)
        {
            position += 1 + envelope[position];
        }

        while ((envelope[position++] & 0x80) != 0)
        {
        }

        while ((envelope[position++] & 0x80) != 0)
        {
        }

        return position + PayloadEnvelope.PayloadChecksumLength;
    }
}
