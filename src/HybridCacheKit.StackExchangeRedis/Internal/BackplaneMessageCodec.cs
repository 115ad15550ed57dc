using System.Buffers.Binary;
using System.Text;
using HybridCacheKit.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// The wire format of the backplane and lock-release messages (docs/backplane.md, "Wire format"):
/// <c>version (1 byte) | kind (1) | sender id (16, RFC 4122 byte order) | stamp (8, int64 little-endian UTC ticks) | subject (UTF-8, the rest)</c>.
/// Decoding never throws: anything that is not a well-formed version-1 message is reported as such and ignored by the caller.
/// </summary>
internal static class BackplaneMessageCodec
{
    /// <summary>The only version this code writes and reads. A format old readers cannot read gets a new version.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the subject.</summary>
    public const int HeaderLength = 1 + 1 + 16 + 8;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(WireKind kind, Guid sender, long stamp, string subject)
    {
        var bytes = new byte[HeaderLength + s_strictUtf8.GetByteCount(subject)];
        bytes[0] = Version;
        bytes[1] = (byte)kind;
        sender.TryWriteBytes(bytes.AsSpan(2, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(18, 8), stamp);
        s_strictUtf8.GetBytes(subject, bytes.AsSpan(HeaderLength));
        return bytes;
    }

    public static byte[] Encode(HybridCacheBackplaneMessage message, Guid sender)
        => Encode((WireKind)message.Kind, sender, message.StampUtcTicks, message.Subject);

    public static DecodeStatus TryDecode(ReadOnlySpan<byte> bytes, out WireMessage message)
    {
        message = default;
        if (bytes.IsEmpty)
        {
            return DecodeStatus.Malformed;
        }

        if (bytes[0] != Version)
        {
            return DecodeStatus.UnknownVersion;
        }

        if (bytes.Length < HeaderLength)
        {
            return DecodeStatus.Malformed;
        }

        var kind = (WireKind)bytes[1];
        if (!Enum.IsDefined(kind))
        {
            return DecodeStatus.UnknownKind;
        }

        var subjectBytes = bytes[HeaderLength..];
        if (subjectBytes.IsEmpty && kind != WireKind.Ping)
        {
            return DecodeStatus.Malformed;
        }

        string subject;
        try
        {
            subject = s_strictUtf8.GetString(subjectBytes);
        }
        catch (DecoderFallbackException)
        {
            return DecodeStatus.Malformed;
        }

        message = new WireMessage(kind, new Guid(bytes.Slice(2, 16), bigEndian: true), BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(18, 8)), subject);
        return DecodeStatus.Ok;
    }
}

/// <summary>Message kinds on the wire. 1–3 are <see cref="HybridCacheBackplaneMessageKind"/>; the others are internal to this package.</summary>
internal enum WireKind : byte
{
    KeyChanged = HybridCacheBackplaneMessageKind.KeyChanged,
    KeyRemoved = HybridCacheBackplaneMessageKind.KeyRemoved,
    TagInvalidated = HybridCacheBackplaneMessageKind.TagInvalidated,

    /// <summary>A backplane's heartbeat to itself (stamp = sequence number, no subject); other nodes ignore it.</summary>
    Ping = 0x40,

    /// <summary>On the lock channel: the lock of the cache key in the subject was released.</summary>
    LockReleased = 0x41,
}

internal enum DecodeStatus
{
    Ok,
    UnknownVersion,
    UnknownKind,
    Malformed,
}

internal readonly record struct WireMessage(WireKind Kind, Guid Sender, long Stamp, string Subject)
{
    public bool IsChange => Kind is WireKind.KeyChanged or WireKind.KeyRemoved or WireKind.TagInvalidated;

    public HybridCacheBackplaneMessage ToBackplaneMessage() => new((HybridCacheBackplaneMessageKind)Kind, Subject, Stamp);
}
