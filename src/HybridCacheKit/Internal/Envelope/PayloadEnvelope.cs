using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Text;

namespace HybridCacheKit.Internal.Envelope;

/// <summary>Reads and writes the versioned binary envelope HybridCacheKit stores in L2. Format: see docs/wire-format.md.</summary>
internal static partial class PayloadEnvelope
{
    /// <summary>The format version this build writes and the only one it reads.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Flag bit 0: the payload bytes are a Brotli stream.</summary>
    public const byte BrotliFlag = 0x01;

    /// <summary>Marker (3), version (1), flags (1), total length (4) and the three tick values (3 × 8).</summary>
    public const int FixedHeaderLength = 33;

    /// <summary>Where the total length (uint32, little-endian) sits.</summary>
    public const int TotalLengthOffset = 5;

    /// <summary>Where the first tick value sits; the other two follow.</summary>
    public const int TicksOffset = 9;

    /// <summary>The CRC-32C trailer.</summary>
    public const int ChecksumLength = 4;

    /// <summary>The CRC-32C of the uncompressed payload that precedes a compressed one.</summary>
    public const int PayloadChecksumLength = 4;

    /// <summary>The shortest possible envelope: empty key, no tags, empty payload.</summary>
    public const int MinimumLength = FixedHeaderLength + 3 + ChecksumLength;

    private const int MaxVarUInt32Length = 5;

    // Brotli's window (lgwin); 22 is the library default and what BrotliStream uses.
    private const int BrotliWindow = 22;

    /// <summary>The first bytes of every envelope: ASCII "HCK".</summary>
    public static ReadOnlySpan<byte> Marker => "HCK"u8;

    // Throws on lone surrogates rather than writing U+FFFD: two different keys must never produce the same bytes,
    // or the key check on read could accept an entry written for another key.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="payload"/> wrapped in an envelope for <paramref name="key"/>.</summary>
    /// <param name="writer">Destination.</param>
    /// <param name="key">The cache key; echoed in the envelope and checked on read.</param>
    /// <param name="metadata">Creation time, logical expiry, factory duration and tags.</param>
    /// <param name="payload">The serialized value.</param>
    /// <param name="compressionLevel">When not null, the payload is Brotli-compressed at this level, unless that does not make it smaller.</param>
    /// <remarks>
    /// Nothing is written when an argument is rejected. Without compression this allocates nothing beyond what
    /// <paramref name="writer"/> hands out; with it, a buffer is rented from <see cref="ArrayPool{T}.Shared"/>.
    /// <see cref="CompressionLevel.NoCompression"/> stores the payload raw.
    /// </remarks>
    /// <exception cref="ArgumentException">The key or a tag is null or not well-formed UTF-16 (a lone surrogate), or the level is not a defined value.</exception>
    public static void Write(IBufferWriter<byte> writer, string key, in EnvelopeMetadata metadata, ReadOnlySpan<byte> payload, CompressionLevel? compressionLevel)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(key);
        var tags = metadata.Tags ?? [];

        // Every string is validated, and the total length known, before the first byte goes out, so a bad tag
        // cannot leave half an envelope behind. (The strict encoder throws on lone surrogates.)
        var keyByteCount = s_strictUtf8.GetByteCount(key);
        long total = FixedHeaderLength + GetVarUInt32Length((uint)keyByteCount) + keyByteCount + GetVarUInt32Length((uint)tags.Length);
        foreach (var tag in tags)
        {
            if (tag is null)
            {
                throw new ArgumentException("Tags must not be null.", nameof(metadata));
            }

            var count = s_strictUtf8.GetByteCount(tag);
            total += GetVarUInt32Length((uint)count) + count;
        }

        byte[]? compressed = null;
        try
        {
            var flags = (byte)0;
            var body = payload;
            if (compressionLevel is { } level && TryCompress(payload, level, out compressed, out var compressedLength))
            {
                flags = BrotliFlag;
                body = compressed.AsSpan(0, compressedLength);
            }

            total += GetVarUInt32Length((uint)payload.Length) + body.Length + ChecksumLength;
            if (flags == BrotliFlag)
            {
                total += GetVarUInt32Length((uint)body.Length) + PayloadChecksumLength;
            }

            if (total > Array.MaxLength)
            {
                throw new ArgumentException($"The envelope would be {total} bytes, more than an array can hold.", nameof(payload));
            }

            var output = new ChecksummingWriter(writer);

            var header = output.GetSpan(FixedHeaderLength + MaxVarUInt32Length);
            Marker.CopyTo(header);
            header[3] = CurrentVersion;
            header[4] = flags;
            BinaryPrimitives.WriteUInt32LittleEndian(header[TotalLengthOffset..], (uint)total);
            BinaryPrimitives.WriteInt64LittleEndian(header[TicksOffset..], metadata.CreatedUtcTicks);
            BinaryPrimitives.WriteInt64LittleEndian(header[(TicksOffset + 8)..], metadata.ExpiresUtcTicks);
            BinaryPrimitives.WriteInt64LittleEndian(header[(TicksOffset + 16)..], metadata.FactoryDurationTicks);
            var length = FixedHeaderLength + WriteVarUInt32(header[FixedHeaderLength..], (uint)keyByteCount);
            output.Advance(header, length);
            output.WriteString(key, keyByteCount);

            output.WriteVarUInt32((uint)tags.Length);
            foreach (var tag in tags)
            {
                var count = s_strictUtf8.GetByteCount(tag);
                output.WriteVarUInt32((uint)count);
                output.WriteString(tag, count);
            }

            output.WriteVarUInt32((uint)payload.Length);
            if (flags == BrotliFlag)
            {
                output.WriteVarUInt32((uint)body.Length);

                // The trailer covers the compressed bytes; this covers what decompression must give back.
                output.WriteUInt32(Crc32C.Compute(payload));
            }

            output.WriteBytes(body);
            output.WriteChecksum();
        }
        finally
        {
            if (compressed is not null)
            {
                ArrayPool<byte>.Shared.Return(compressed);
            }
        }
    }

    /// <summary>
    /// Compresses into a rented buffer; succeeds only when the result, with the stored length and payload checksum
    /// that come with it, is smaller than the input.
    /// </summary>
    private static bool TryCompress(ReadOnlySpan<byte> payload, CompressionLevel level, [NotNullWhen(true)] out byte[]? rented, out int length)
    {
        // Same mapping as BrotliStream: Fastest = quality 1, Optimal = 4 (Brotli's default), SmallestSize = 11.
        var quality = level switch
        {
            CompressionLevel.NoCompression => -1,
            CompressionLevel.Fastest => 1,
            CompressionLevel.Optimal => 4,
            CompressionLevel.SmallestSize => 11,
            _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a defined CompressionLevel."),
        };

        rented = null;
        length = 0;

        // A destination too short for the output to win makes Brotli give up as soon as it cannot.
        var budget = payload.Length - 1 - 1 - PayloadChecksumLength;
        if (quality < 0 || budget <= 0)
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(budget);
        if (BrotliEncoder.TryCompress(payload, buffer.AsSpan(0, budget), out var written, quality, BrotliWindow)
            && written + GetVarUInt32Length((uint)written) + PayloadChecksumLength < payload.Length)
        {
            rented = buffer;
            length = written;
            return true;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    /// <summary>Unsigned LEB128: 7 bits per byte, least significant group first, high bit set on all but the last byte.</summary>
    private static int WriteVarUInt32(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value > 0x7F)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static int GetVarUInt32Length(uint value) => value switch
    {
        < 1u << 7 => 1,
        < 1u << 14 => 2,
        < 1u << 21 => 3,
        < 1u << 28 => 4,
        _ => 5,
    };

    /// <summary>Forwards to an <see cref="IBufferWriter{T}"/> while keeping the running CRC-32C of everything written.</summary>
    private ref struct ChecksummingWriter(IBufferWriter<byte> inner)
    {
        private uint _crc = Crc32C.InitialState;

        public readonly Span<byte> GetSpan(int sizeHint) => inner.GetSpan(sizeHint);

        public void Advance(Span<byte> span, int count)
        {
            _crc = Crc32C.Append(_crc, span[..count]);
            inner.Advance(count);
        }

        public void WriteVarUInt32(uint value)
        {
            var span = inner.GetSpan(MaxVarUInt32Length);
            Advance(span, PayloadEnvelope.WriteVarUInt32(span, value));
        }

        public void WriteUInt32(uint value)
        {
            var span = inner.GetSpan(sizeof(uint));
            BinaryPrimitives.WriteUInt32LittleEndian(span, value);
            Advance(span, sizeof(uint));
        }

        public void WriteString(string value, int byteCount)
        {
            var span = inner.GetSpan(byteCount);
            var written = s_strictUtf8.GetBytes(value, span);
            Advance(span, written);
        }

        public void WriteBytes(ReadOnlySpan<byte> bytes)
        {
            // Copy in whatever pieces the writer offers, so a segmented writer need not provide one big block.
            while (!bytes.IsEmpty)
            {
                var span = inner.GetSpan(bytes.Length);
                var count = Math.Min(span.Length, bytes.Length);
                bytes[..count].CopyTo(span);
                Advance(span, count);
                bytes = bytes[count..];
            }
        }

        public readonly void WriteChecksum()
        {
            var span = inner.GetSpan(ChecksumLength);
            BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32C.Complete(_crc));
            inner.Advance(ChecksumLength);
        }
    }
}
