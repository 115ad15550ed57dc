using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using HybridCacheKit.Internal.Envelope;

namespace HybridCacheKit.Tests.Envelope;

/// <summary>Builds envelopes for the tests, including hand-made ones with a valid checksum around invalid content.</summary>
internal static class EnvelopeTestHelpers
{
    public const long NoLimit = long.MaxValue;

    public static byte[] Write(string key, EnvelopeMetadata metadata, ReadOnlySpan<byte> payload, CompressionLevel? level = null)
    {
        var writer = new ArrayBufferWriter<byte>();
        PayloadEnvelope.Write(writer, key, metadata, payload, level);
        return writer.WrittenSpan.ToArray();
    }

    public static EnvelopeMetadata Metadata(params string[] tags) => new(638_000_000_000_000_000, 638_000_036_000_000_000, 1_500_000, tags);

    /// <summary>Recomputes the total length and the checksum after a test has edited the bytes.</summary>
    public static byte[] Reseal(byte[] envelope)
    {
        var copy = (byte[])envelope.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(PayloadEnvelope.TotalLengthOffset), (uint)copy.Length);
        var crc = Crc32C.Compute(copy.AsSpan(0, copy.Length - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), crc);
        return copy;
    }

    /// <summary>
    /// A version-1 header with fixed ticks, then <paramref name="rest"/> (everything after the ticks, as raw bytes),
    /// then a correct total length and checksum: lets a test put any structure behind a valid header and trailer.
    /// </summary>
    public static byte[] Forge(byte flags, params byte[][] rest)
    {
        var bytes = new List<byte>();
        bytes.AddRange("HCK"u8.ToArray());
        bytes.Add(PayloadEnvelope.CurrentVersion);
        bytes.Add(flags);
        bytes.AddRange(new byte[4]);
        bytes.AddRange(new byte[24]);
        foreach (var part in rest)
        {
            bytes.AddRange(part);
        }

        bytes.AddRange(new byte[4]);
        return Reseal([.. bytes]);
    }

    public static byte[] VarUInt(uint value)
    {
        var bytes = new List<byte>();
        while (value > 0x7F)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }

    public static byte[] Utf8(string value) => System.Text.Encoding.UTF8.GetBytes(value);

    public static byte[] Brotli(byte[] data)
    {
        var buffer = new byte[data.Length + 64];
        Assert.True(BrotliEncoder.TryCompress(data, buffer, out var written, quality: 4, window: 22));
        return buffer[..written];
    }

    /// <summary>Highly compressible text of the given size.</summary>
    public static byte[] Compressible(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)"{\"name\":\"value\",\"n\":1234}"[i % 25];
        }

        return bytes;
    }

    public static byte[] Incompressible(int length, int seed = 42)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
