using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace HybridCacheKit.Serialization.MessagePack;

// Strings, binary and extensions: a length, checked against the limits and the bytes that remain, then the bytes.
public ref partial struct MessagePackReader
{
    // Invalid UTF-8 is an error, not U+FFFD: a corrupted value should be a miss, not a quietly different string.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a string, or nil as <see langword="null"/>.</summary>
    /// <returns>The string.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not a string or nil, is not valid UTF-8, is truncated, or is over <see cref="MessagePackSerializerOptions.MaxStringBytes"/>.</exception>
    public string? ReadString()
    {
        if (TryReadNil())
        {
            return null;
        }

        var start = _position;
        var utf8 = ReadStringSpan();
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        try
        {
            return s_strictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException ex)
        {
            _position = start;
            throw new MessagePackSerializationException($"The string at offset {start} is not valid UTF-8.", ex);
        }
    }

    /// <summary>Reads a string's UTF-8 bytes without decoding them (nil is not accepted).</summary>
    /// <returns>The bytes, a slice of the input.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not a string, is truncated, or is over <see cref="MessagePackSerializerOptions.MaxStringBytes"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ReadStringSpan()
    {
        // fixstr whose bytes are all there: the common case of map keys and short values.
        if ((uint)_position < (uint)_buffer.Length)
        {
            var code = _buffer[_position];
            var length = code - MessagePackCode.MinFixStr;
            if ((uint)length <= 31 && length < _buffer.Length - _position && length <= _options.MaxStringBytes)
            {
                var span = _buffer.Slice(_position + 1, length);
                _position += 1 + length;
                return span;
            }
        }

        return ReadStringSpanSlow();
    }

    /// <summary>Reads a string's UTF-8 bytes if a string comes next; anything else is left unread.</summary>
    /// <param name="utf8">The bytes, a slice of the input; empty when the result is <see langword="false"/>.</param>
    /// <returns>Whether a string was read.</returns>
    /// <exception cref="MessagePackSerializationException">There is no more data, or the string is truncated or over <see cref="MessagePackSerializerOptions.MaxStringBytes"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadStringSpan(out ReadOnlySpan<byte> utf8)
    {
        if ((uint)_position < (uint)_buffer.Length)
        {
            var code = _buffer[_position];
            var length = code - MessagePackCode.MinFixStr;
            if ((uint)length <= 31 && length < _buffer.Length - _position && length <= _options.MaxStringBytes)
            {
                utf8 = _buffer.Slice(_position + 1, length);
                _position += 1 + length;
                return true;
            }

            if ((uint)length <= 31 || code is MessagePackCode.Str8 or MessagePackCode.Str16 or MessagePackCode.Str32)
            {
                utf8 = ReadStringSpanSlow();
                return true;
            }

            utf8 = default;
            return false;
        }

        ThrowTruncated();
        utf8 = default;
        return false;
    }

    private ReadOnlySpan<byte> ReadStringSpanSlow()
    {
        var code = PeekCode();
        long length;
        int headerLength;
        if (code is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr)
        {
            length = code & 0x1f;
            headerLength = 1;
        }
        else if (code == MessagePackCode.Str8)
        {
            length = Peek(2)[1];
            headerLength = 2;
        }
        else if (code == MessagePackCode.Str16)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(Peek(3)[1..]);
            headerLength = 3;
        }
        else if (code == MessagePackCode.Str32)
        {
            length = BinaryPrimitives.ReadUInt32BigEndian(Peek(5)[1..]);
            headerLength = 5;
        }
        else
        {
            ThrowUnexpected("a string");
            return default;
        }

        return TakePayload(length, headerLength, _options.MaxStringBytes, "string", nameof(MessagePackSerializerOptions.MaxStringBytes));
    }

    /// <summary>Reads bin 8/16/32 into a new array, or nil as <see langword="null"/>.</summary>
    /// <returns>The bytes.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not binary or nil, is truncated, or is over <see cref="MessagePackSerializerOptions.MaxBinaryBytes"/>.</exception>
    public byte[]? ReadBinary() => TryReadNil() ? null : ReadBinarySpan().ToArray();

    /// <summary>Reads bin 8/16/32 without copying (nil is not accepted).</summary>
    /// <returns>The bytes, a slice of the input.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not binary, is truncated, or is over <see cref="MessagePackSerializerOptions.MaxBinaryBytes"/>.</exception>
    public ReadOnlySpan<byte> ReadBinarySpan()
    {
        var code = PeekCode();
        long length;
        int headerLength;
        switch (code)
        {
            case MessagePackCode.Bin8:
                length = Peek(2)[1];
                headerLength = 2;
                break;
            case MessagePackCode.Bin16:
                length = BinaryPrimitives.ReadUInt16BigEndian(Peek(3)[1..]);
                headerLength = 3;
                break;
            case MessagePackCode.Bin32:
                length = BinaryPrimitives.ReadUInt32BigEndian(Peek(5)[1..]);
                headerLength = 5;
                break;
            default:
                ThrowUnexpected("binary");
                return default;
        }

        return TakePayload(length, headerLength, _options.MaxBinaryBytes, "binary value", nameof(MessagePackSerializerOptions.MaxBinaryBytes));
    }

    /// <summary>Reads the header of an extension value; the data follows and is read with <see cref="ReadRaw"/>.</summary>
    /// <returns>The type code and data length; the length is checked against the limits and the bytes that remain.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an extension, is truncated, or is over <see cref="MessagePackSerializerOptions.MaxBinaryBytes"/>.</exception>
    public MessagePackExtensionHeader ReadExtensionHeader()
    {
        var code = PeekCode();
        long length;
        int headerLength;
        switch (code)
        {
            case MessagePackCode.FixExt1:
            case MessagePackCode.FixExt2:
            case MessagePackCode.FixExt4:
            case MessagePackCode.FixExt8:
            case MessagePackCode.FixExt16:
                length = 1 << (code - MessagePackCode.FixExt1);
                headerLength = 2;
                _ = Peek(2);
                break;
            case MessagePackCode.Ext8:
                length = Peek(3)[1];
                headerLength = 3;
                break;
            case MessagePackCode.Ext16:
                length = BinaryPrimitives.ReadUInt16BigEndian(Peek(4)[1..]);
                headerLength = 4;
                break;
            case MessagePackCode.Ext32:
                length = BinaryPrimitives.ReadUInt32BigEndian(Peek(6)[1..]);
                headerLength = 6;
                break;
            default:
                ThrowUnexpected("an extension");
                return default;
        }

        var typeCode = unchecked((sbyte)_buffer[_position + headerLength - 1]);
        CheckPayload(length, headerLength, _options.MaxBinaryBytes, "extension", nameof(MessagePackSerializerOptions.MaxBinaryBytes));
        _position += headerLength;
        return new MessagePackExtensionHeader(typeCode, (int)length);
    }

    /// <summary>Reads an extension value: its header and its data.</summary>
    /// <param name="data">The data, a slice of the input.</param>
    /// <returns>The extension type code.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an extension, is truncated, or is over <see cref="MessagePackSerializerOptions.MaxBinaryBytes"/>.</exception>
    public sbyte ReadExtension(out ReadOnlySpan<byte> data)
    {
        var header = ReadExtensionHeader();
        data = ReadRaw(header.Length);
        return header.TypeCode;
    }

    /// <summary>Reads the timestamp extension (type -1) in any of its three forms.</summary>
    /// <param name="seconds">Seconds since 1970-01-01T00:00:00Z.</param>
    /// <param name="nanoseconds">Nanoseconds within the second, at most 999,999,999.</param>
    /// <exception cref="MessagePackSerializationException">The next value is not a timestamp, has a length other than 4, 8 or 12, or nanoseconds over 999,999,999.</exception>
    public void ReadTimestamp(out long seconds, out uint nanoseconds)
    {
        var start = _position;
        var typeCode = ReadExtension(out var data);
        if (typeCode != MessagePackCode.TimestampExtensionType)
        {
            _position = start;
            ThrowMalformed($"Expected a timestamp (extension type -1) at offset {start} but found extension type {typeCode}.");
        }

        switch (data.Length)
        {
            case 4:
                seconds = BinaryPrimitives.ReadUInt32BigEndian(data);
                nanoseconds = 0;
                return;
            case 8:
                var data64 = BinaryPrimitives.ReadUInt64BigEndian(data);
                nanoseconds = (uint)(data64 >> 34);
                seconds = (long)(data64 & 0x3_ffff_ffffUL);
                break;
            case 12:
                nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(data);
                seconds = BinaryPrimitives.ReadInt64BigEndian(data[4..]);
                break;
            default:
                _position = start;
                ThrowMalformed($"The timestamp at offset {start} has {data.Length} data bytes; only 4, 8 and 12 are defined.");
                seconds = 0;
                nanoseconds = 0;
                return;
        }

        if (nanoseconds > 999_999_999)
        {
            _position = start;
            ThrowMalformed($"The timestamp at offset {start} has {nanoseconds} nanoseconds; at most 999,999,999 are allowed.");
        }
    }

    /// <summary>Reads <paramref name="length"/> bytes as they are, for example the data of an extension.</summary>
    /// <param name="length">How many bytes.</param>
    /// <returns>The bytes, a slice of the input.</returns>
    /// <exception cref="MessagePackSerializationException">Fewer bytes remain.</exception>
    public ReadOnlySpan<byte> ReadRaw(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var span = Peek(length);
        _position += length;
        return span;
    }

    private ReadOnlySpan<byte> TakePayload(long length, int headerLength, int limit, string kind, string limitName)
    {
        CheckPayload(length, headerLength, limit, kind, limitName);
        var span = _buffer.Slice(_position + headerLength, (int)length);
        _position += headerLength + (int)length;
        return span;
    }

    private readonly void CheckPayload(long length, int headerLength, int limit, string kind, string limitName)
    {
        if (length > limit)
        {
            ThrowMalformed($"The {kind} at offset {_position} declares {length} bytes, more than {limitName} ({limit}).");
        }

        if (length > _buffer.Length - _position - headerLength)
        {
            ThrowMalformed($"The {kind} at offset {_position} declares {length} bytes, but only {_buffer.Length - _position - headerLength} remain.");
        }
    }
}
