using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace HybridCacheKit.Serialization.MessagePack;

// Strings: UTF-8 in fixstr/str 8/16/32, the header chosen from the exact byte count.
public ref partial struct MessagePackWriter
{
    /// <summary>Writes a string as UTF-8 (fixstr or str 8/16/32), or nil for <see langword="null"/>.</summary>
    /// <param name="value">The string.</param>
    /// <exception cref="MessagePackSerializationException">The string holds an unpaired surrogate, which UTF-8 cannot represent.</exception>
    public void Write(string? value)
    {
        if (value is null)
        {
            WriteNil();
        }
        else
        {
            Write(value.AsSpan());
        }
    }

    /// <summary>Writes characters as a UTF-8 string (fixstr or str 8/16/32).</summary>
    /// <param name="value">The characters.</param>
    /// <exception cref="MessagePackSerializationException">The characters hold an unpaired surrogate, which UTF-8 cannot represent.</exception>
    public void Write(scoped ReadOnlySpan<char> value)
    {
        // Short strings: when even the worst case (3 bytes a char) fits a fixstr, encode straight after a
        // one-byte header and patch the length in, saving a counting pass.
        if (value.Length <= 10)
        {
            var small = GetSpan(1 + (value.Length * 3));
            var written = EncodeUtf8(value, small[1..]);
            small[0] = (byte)(MessagePackCode.MinFixStr | written);
            _buffered += 1 + written;
            return;
        }

        // Up to 85 characters the worst case (255 bytes) fits str 8: encode once after a two-byte header, then
        // shift left by one byte if the result turned out short enough for a fixstr. Saves the counting pass.
        if (value.Length <= 85)
        {
            var span = GetSpan(2 + (value.Length * 3));
            var written = EncodeUtf8(value, span[2..]);
            if (written <= 31)
            {
                span.Slice(2, written).CopyTo(span[1..]);
                span[0] = (byte)(MessagePackCode.MinFixStr | written);
                _buffered += 1 + written;
            }
            else
            {
                span[0] = MessagePackCode.Str8;
                span[1] = (byte)written;
                _buffered += 2 + written;
            }

            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteStringHeader(byteCount);
        var target = GetSpan(byteCount);
        _buffered += EncodeUtf8(value, target);
    }

    /// <summary>
    /// UTF-8 of <paramref name="value"/> into <paramref name="destination"/>, which is large enough. An unpaired surrogate
    /// is refused rather than replaced by U+FFFD: the value read back would differ from the one cached (System.Text.Json
    /// keeps it, as an escape), and a cache must not change what it stores.
    /// </summary>
    private static int EncodeUtf8(scoped ReadOnlySpan<char> value, Span<byte> destination)
    {
        var status = Utf8.FromUtf16(value, destination, out var read, out var written, replaceInvalidSequences: false);
        return status == OperationStatus.Done
            ? written
            : throw new MessagePackSerializationException(string.Create(CultureInfo.InvariantCulture, $"The string holds an unpaired UTF-16 surrogate at index {read}, which a MessagePack string (UTF-8) cannot represent."));
    }

    /// <summary>Writes bytes that are already UTF-8 as a string (fixstr or str 8/16/32). They are not validated.</summary>
    /// <param name="utf8">The UTF-8 bytes.</param>
    public void WriteUtf8String(scoped ReadOnlySpan<byte> utf8)
    {
        WriteStringHeader(utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>Writes the header of a string of <paramref name="byteCount"/> UTF-8 bytes; the caller writes the bytes.</summary>
    /// <param name="byteCount">The length in bytes.</param>
    public void WriteStringHeader(int byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        var span = GetSpan(5);
        if (byteCount <= 31)
        {
            span[0] = (byte)(MessagePackCode.MinFixStr | byteCount);
            _buffered += 1;
        }
        else if (byteCount <= byte.MaxValue)
        {
            span[0] = MessagePackCode.Str8;
            span[1] = (byte)byteCount;
            _buffered += 2;
        }
        else if (byteCount <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.Str16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)byteCount);
            _buffered += 3;
        }
        else
        {
            span[0] = MessagePackCode.Str32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)byteCount);
            _buffered += 5;
        }
    }

    /// <summary>Room for <paramref name="size"/> bytes of a value the caller formats in place; commit with <see cref="Advance"/>.</summary>
    internal Span<byte> GetScratch(int size) => GetSpan(size);

    /// <summary>Commits <paramref name="count"/> bytes written into the span from <see cref="GetScratch"/>.</summary>
    internal void Advance(int count) => _buffered += count;
}
