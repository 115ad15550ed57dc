using System.Buffers;
using System.IO.Compression;

namespace HybridCacheKit.Internal.Envelope;

/// <summary>Reads and writes the versioned binary envelope HybridCacheKit stores in L2. Format: see docs/wire-format.md.</summary>
internal static class PayloadEnvelope
{
    /// <summary>Writes <paramref name="payload"/> wrapped in an envelope for <paramref name="key"/>.</summary>
    /// <param name="writer">Destination.</param>
    /// <param name="key">The cache key; echoed in the envelope and checked on read.</param>
    /// <param name="metadata">Creation time, logical expiry, factory duration and tags.</param>
    /// <param name="payload">The serialized value.</param>
    /// <param name="compressionLevel">When not null, the payload is Brotli-compressed at this level, unless that does not make it smaller.</param>
    public static void Write(IBufferWriter<byte> writer, string key, in EnvelopeMetadata metadata, ReadOnlySpan<byte> payload, CompressionLevel? compressionLevel)
        => throw new NotImplementedException();

    /// <summary>Parses an envelope and checks it belongs to <paramref name="expectedKey"/>.</summary>
    /// <param name="data">The bytes read from L2.</param>
    /// <param name="expectedKey">The key the caller asked for.</param>
    /// <param name="maximumPayloadBytes">Reject a payload (after decompression) larger than this.</param>
    /// <param name="metadata">The metadata, when the status is <see cref="EnvelopeReadStatus.Ok"/>.</param>
    /// <param name="payload">The serialized value: a slice of <paramref name="data"/>, or a new array when it was compressed.</param>
    /// <returns>Why the bytes were rejected, or <see cref="EnvelopeReadStatus.Ok"/>.</returns>
    public static EnvelopeReadStatus TryRead(ReadOnlyMemory<byte> data, string expectedKey, long maximumPayloadBytes, out EnvelopeMetadata metadata, out ReadOnlyMemory<byte> payload)
        => throw new NotImplementedException();
}
