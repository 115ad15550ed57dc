using System.Buffers.Binary;
using System.Text;
using HybridCacheKit.Distributed;
using HybridCacheKit.Shared;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// The wire format of the backplane and lock-release messages (docs/backplane.md, "Wire format"):
/// <c>version (1 byte) | kind (1) | sender id (16, RFC 4122 byte order) | stamp (8, int64 little-endian UTC ticks) | subject (UTF-8, the rest)</c>.
/// A batch (kind <see cref="WireKind.Batch"/>) carries several changes of one sender in one <c>PUBLISH</c>: the header's
/// stamp field holds the number of changes, and the rest is that many
/// <c>kind (1) | stamp (8) | subject length (4, int32 little-endian) | subject (UTF-8)</c> records.
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

    /// <summary>
    /// Whether <paramref name="message"/> can be sent: a defined change kind and a non-empty subject that is well-formed
    /// UTF-16 (a lone surrogate has no UTF-8 form, and a lossy one could name another key or tag).
    /// </summary>
    public static bool IsSendable(HybridCacheBackplaneMessage message)
        => !string.IsNullOrEmpty(message.Subject) && Enum.IsDefined(message.Kind) && Utf16.IsWellFormed(message.Subject);

    /// <summary>Bytes of one change in a batch before its subject.</summary>
    public const int BatchRecordHeaderLength = 1 + 8 + 4;

    /// <summary>Encodes changes of one sender as one batch frame (a single change is better sent as a plain message).</summary>
    public static byte[] EncodeBatch(IReadOnlyList<HybridCacheBackplaneMessage> messages, Guid sender)
    {
        var length = HeaderLength;
        foreach (var message in messages)
        {
            length += BatchRecordHeaderLength + s_strictUtf8.GetByteCount(message.Subject);
        }

        var bytes = new byte[length];
        bytes[0] = Version;
        bytes[1] = (byte)WireKind.Batch;
        sender.TryWriteBytes(bytes.AsSpan(2, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(18, 8), messages.Count);
        var at = HeaderLength;
        foreach (var message in messages)
        {
            bytes[at] = (byte)message.Kind;
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at + 1, 8), message.StampUtcTicks);
            var written = s_strictUtf8.GetBytes(message.Subject, bytes.AsSpan(at + BatchRecordHeaderLength));
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 9, 4), written);
            at += BatchRecordHeaderLength + written;
        }

        return bytes;
    }

    /// <summary>Whether <paramref name="bytes"/> is a version-1 batch frame (to be read with <see cref="TryDecodeBatch"/>).</summary>
    public static bool IsBatch(ReadOnlySpan<byte> bytes) => bytes.Length > 1 && bytes[0] == Version && bytes[1] == (byte)WireKind.Batch;

    /// <summary>
    /// Decodes a batch frame into <paramref name="messages"/> (cleared first). All or nothing: a frame with any malformed
    /// record, a change kind other than key changed, key removed or tag invalidated, or a count that does not match its
    /// records yields no message.
    /// </summary>
    public static DecodeStatus TryDecodeBatch(ReadOnlySpan<byte> bytes, out Guid sender, List<WireMessage> messages)
    {
        messages.Clear();
        sender = default;
        if (!IsBatch(bytes) || bytes.Length < HeaderLength)
        {
            return DecodeStatus.Malformed;
        }

        sender = new Guid(bytes.Slice(2, 16), bigEndian: true);
        var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(18, 8));
        var rest = bytes[HeaderLength..];
        if (count < 1 || count > rest.Length / (BatchRecordHeaderLength + 1))
        {
            return DecodeStatus.Malformed;
        }

        for (var i = 0; i < count; i++)
        {
            if (rest.Length < BatchRecordHeaderLength)
            {
                return Fail(messages);
            }

            var kind = (WireKind)rest[0];
            var subjectLength = BinaryPrimitives.ReadInt32LittleEndian(rest.Slice(9, 4));
            if (kind is not (WireKind.KeyChanged or WireKind.KeyRemoved or WireKind.TagInvalidated)
                || subjectLength < 1 || subjectLength > rest.Length - BatchRecordHeaderLength)
            {
                return Fail(messages);
            }

            string subject;
            try
            {
                subject = s_strictUtf8.GetString(rest.Slice(BatchRecordHeaderLength, subjectLength));
            }
            catch (DecoderFallbackException)
            {
                return Fail(messages);
            }

            messages.Add(new WireMessage(kind, sender, BinaryPrimitives.ReadInt64LittleEndian(rest.Slice(1, 8)), subject));
            rest = rest[(BatchRecordHeaderLength + subjectLength)..];
        }

        return rest.IsEmpty ? DecodeStatus.Ok : Fail(messages);

        static DecodeStatus Fail(List<WireMessage> messages)
        {
            messages.Clear();
            return DecodeStatus.Malformed;
        }
    }

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
        if (!Enum.IsDefined(kind) || kind == WireKind.Batch)
        {
            // A batch is read with TryDecodeBatch; here it is not a single message.
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

    /// <summary>On the backplane channel: several changes of one sender (see <see cref="BackplaneMessageCodec.EncodeBatch"/>).</summary>
    Batch = 0x42,
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
