using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Unicode;

namespace HybridCacheKit.Internal.Envelope;

internal static partial class PayloadEnvelope
{
    // Keys up to this many UTF-8 bytes are decoded on the stack for the comparison.
    private const int StackKeyChars = 256;

    /// <summary>Parses an envelope and checks it belongs to <paramref name="expectedKey"/>.</summary>
    /// <param name="data">The bytes read from L2.</param>
    /// <param name="expectedKey">The key the caller asked for.</param>
    /// <param name="maximumPayloadBytes">Reject a payload (after decompression) larger than this.</param>
    /// <param name="metadata">The metadata, when the status is <see cref="EnvelopeReadStatus.Ok"/>.</param>
    /// <param name="payload">The serialized value: a slice of <paramref name="data"/>, or a new array when it was compressed.</param>
    /// <returns>Why the bytes were rejected, or <see cref="EnvelopeReadStatus.Ok"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expectedKey"/> is null.</exception>
    /// <remarks>
    /// Never throws because of the bytes, whatever they are. Checks run in this order: header (marker, version, total length), checksum,
    /// structure (flags, lengths, UTF-8, size limit), key, and last decompression (checked against the CRC-32C of the
    /// uncompressed payload), so damaged bytes are reported as damaged before anything is decoded from them, and
    /// nothing is decompressed for the wrong key.
    /// </remarks>
    public static EnvelopeReadStatus TryRead(ReadOnlyMemory<byte> data, string expectedKey, long maximumPayloadBytes, out EnvelopeMetadata metadata, out ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(expectedKey);
        metadata = default;
        payload = default;
        var span = data.Span;

        var status = CheckHeader(span);
        if (status != EnvelopeReadStatus.Ok)
        {
            return status;
        }

        // The header checks guarantee span.Length equals the total length the writer recorded.
        var bodyLength = span.Length - ChecksumLength;
        var body = span[..bodyLength];
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(span[bodyLength..]))
        {
            return EnvelopeReadStatus.ChecksumMismatch;
        }

        // From here on the bytes are exactly what some writer produced, so any inconsistency is Malformed.
        var flags = body[4];
        if ((flags & ~BrotliFlag) != 0)
        {
            return EnvelopeReadStatus.Malformed;
        }

        var position = FixedHeaderLength;
        if (!TryReadLength(body, ref position, out var keyLength))
        {
            return EnvelopeReadStatus.Malformed;
        }

        var keyBytes = body.Slice(position, keyLength);
        position += keyLength;

        // A tag takes at least its one-byte length prefix, so TryReadLength's "no more than the bytes left" bound
        // keeps a forged count from allocating more than the input justifies.
        if (!TryReadLength(body, ref position, out var tagCount))
        {
            return EnvelopeReadStatus.Malformed;
        }

        var tagsStart = position;
        for (var i = 0; i < tagCount; i++)
        {
            if (!TryReadLength(body, ref position, out var tagLength) || !Utf8.IsValid(body.Slice(position, tagLength)))
            {
                return EnvelopeReadStatus.Malformed;
            }

            position += tagLength;
        }

        if (!TryReadVarUInt32(body, ref position, out var declaredLength))
        {
            return EnvelopeReadStatus.Malformed;
        }

        // The zip-bomb guard: judged on the declared size, before anything is allocated or decompressed.
        if (declaredLength > maximumPayloadBytes || declaredLength > (uint)Array.MaxLength)
        {
            return EnvelopeReadStatus.PayloadTooLarge;
        }

        var compressed = (flags & BrotliFlag) != 0;
        int storedLength;
        var payloadChecksum = 0u;
        if (compressed)
        {
            if (!TryReadLength(body, ref position, out storedLength) || body.Length - position < PayloadChecksumLength)
            {
                return EnvelopeReadStatus.Malformed;
            }

            payloadChecksum = BinaryPrimitives.ReadUInt32LittleEndian(body[position..]);
            position += PayloadChecksumLength;
        }
        else
        {
            storedLength = (int)declaredLength;
        }

        // The payload runs exactly to the trailer: longer is an overrun, shorter leaves unexplained bytes.
        if (storedLength != bodyLength - position || !Utf8.IsValid(keyBytes))
        {
            return EnvelopeReadStatus.Malformed;
        }

        if (!KeyEquals(keyBytes, expectedKey))
        {
            return EnvelopeReadStatus.KeyMismatch;
        }

        var tags = ReadTags(body, tagsStart, tagCount);
        if (compressed)
        {
            var decompressed = new byte[declaredLength];

            // Brotli has no integrity check of its own: damage that happened before the trailer was computed (or a
            // forged trailer) could otherwise decode to different bytes of the right length.
            if (!TryDecompress(body.Slice(position, storedLength), decompressed) || Crc32C.Compute(decompressed) != payloadChecksum)
            {
                return EnvelopeReadStatus.DecompressionFailed;
            }

            payload = decompressed;
        }
        else
        {
            payload = data.Slice(position, storedLength);
        }

        metadata = new EnvelopeMetadata(
            BinaryPrimitives.ReadInt64LittleEndian(body[TicksOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[(TicksOffset + 8)..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[(TicksOffset + 16)..]),
            tags);
        return EnvelopeReadStatus.Ok;
    }

    private static EnvelopeReadStatus CheckHeader(ReadOnlySpan<byte> span)
    {
        // A short buffer is ours-but-truncated only if what there is matches the start of the marker.
        var markerBytes = Math.Min(span.Length, Marker.Length);
        if (!span[..markerBytes].SequenceEqual(Marker[..markerBytes]))
        {
            return EnvelopeReadStatus.UnknownFormat;
        }

        // The version decides the layout, so it is judged before the length it implies.
        if (span.Length > 3 && span[3] != CurrentVersion)
        {
            return EnvelopeReadStatus.UnsupportedVersion;
        }

        if (span.Length < MinimumLength)
        {
            return EnvelopeReadStatus.Truncated;
        }

        // The recorded total tells a cut-short entry from one with bytes after its trailer, before the checksum is
        // looked for in the wrong place.
        var total = BinaryPrimitives.ReadUInt32LittleEndian(span[TotalLengthOffset..]);
        return total < MinimumLength ? EnvelopeReadStatus.Malformed
            : (uint)span.Length < total ? EnvelopeReadStatus.Truncated
            : (uint)span.Length > total ? EnvelopeReadStatus.Malformed
            : EnvelopeReadStatus.Ok;
    }

    /// <summary>Reads a length or count and checks it does not exceed the bytes left.</summary>
    private static bool TryReadLength(ReadOnlySpan<byte> body, ref int position, out int value)
    {
        value = 0;
        if (!TryReadVarUInt32(body, ref position, out var raw) || raw > (uint)(body.Length - position))
        {
            return false;
        }

        value = (int)raw;
        return true;
    }

    /// <summary>Reads an unsigned LEB128 value of at most 5 bytes, rejecting overlong encodings so each value has one spelling.</summary>
    private static bool TryReadVarUInt32(ReadOnlySpan<byte> body, ref int position, out uint value)
    {
        value = 0;
        for (var i = 0; i < MaxVarUInt32Length; i++)
        {
            if (position >= body.Length)
            {
                return false;
            }

            uint b = body[position++];
            if (i == MaxVarUInt32Length - 1 && b > 0x0F)
            {
                return false; // more than 32 bits
            }

            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return b != 0 || i == 0; // a zero final byte after a continuation is an overlong encoding
            }
        }

        return false;
    }

    private static bool KeyEquals(ReadOnlySpan<byte> utf8, string expected)
    {
        // Each UTF-16 code unit takes 1 to 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes).
        if (utf8.Length < expected.Length || utf8.Length > 3L * expected.Length)
        {
            return false;
        }

        char[]? rented = null;
        var chars = utf8.Length <= StackKeyChars
            ? stackalloc char[StackKeyChars]
            : (rented = ArrayPool<char>.Shared.Rent(utf8.Length));
        try
        {
            // The bytes were validated; a lone surrogate in expectedKey can never equal decoded text, so such a key never hits.
            var status = Utf8.ToUtf16(utf8, chars, out _, out var written, replaceInvalidSequences: false);
            return status == OperationStatus.Done && chars[..written].SequenceEqual(expected);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static string[] ReadTags(ReadOnlySpan<byte> body, int position, int count)
    {
        if (count == 0)
        {
            return [];
        }

        var tags = new string[count];
        for (var i = 0; i < count; i++)
        {
            // Already validated by the structure pass.
            _ = TryReadLength(body, ref position, out var length);
            tags[i] = Encoding.UTF8.GetString(body.Slice(position, length));
            position += length;
        }

        return tags;
    }

    private static bool TryDecompress(ReadOnlySpan<byte> source, byte[] destination)
    {
        // The instance decoder reports how much input it used: a stream that ends early, runs long or is followed
        // by stray bytes is rejected, not just one that fails outright.
        using var decoder = new BrotliDecoder();
        var status = decoder.Decompress(source, destination, out var consumed, out var written);
        return status == OperationStatus.Done && consumed == source.Length && written == destination.Length;
    }
}
