namespace HybridCacheKit.Internal.Envelope;

/// <summary>The outcome of parsing an L2 envelope. Anything but <see cref="Ok"/> is a miss.</summary>
internal enum EnvelopeReadStatus
{
    /// <summary>A well-formed envelope for the expected key.</summary>
    Ok,

    /// <summary>Shorter than its own header or lengths say.</summary>
    Truncated,

    /// <summary>Does not start with the marker: not written by HybridCacheKit.</summary>
    UnknownFormat,

    /// <summary>Written by a version of the format this build does not read.</summary>
    UnsupportedVersion,

    /// <summary>Written for a different key.</summary>
    KeyMismatch,

    /// <summary>The checksum does not match the bytes.</summary>
    ChecksumMismatch,

    /// <summary>Structurally invalid (bad lengths, bad UTF-8, unknown flags, trailing bytes).</summary>
    Malformed,

    /// <summary>The (decompressed) payload would exceed the configured maximum.</summary>
    PayloadTooLarge,

    /// <summary>The compressed payload could not be decompressed to its declared length, or not to the bytes its checksum describes.</summary>
    DecompressionFailed,
}
