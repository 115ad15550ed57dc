using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Writes MessagePack to an <see cref="IBufferWriter{T}"/>, always in the smallest encoding the specification
/// allows. It fills a span borrowed from the buffer writer and hands it back in <see cref="Flush"/>, which the
/// caller must call once at the end. Write* methods of one value family each write exactly one value, except the
/// header methods, after which the caller writes the elements.
/// </summary>
public ref partial struct MessagePackWriter
{
    // The span we ask the buffer writer for when we need more room; small enough for pooled buffers.
    private const int MinimumBufferSize = 512;

    private readonly IBufferWriter<byte> _output;
    private readonly int _maxDepth;
    private Span<byte> _span;
    private int _buffered;
    private int _depth;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="options">Supplies <see cref="MessagePackSerializerOptions.MaxDepth"/>; <see langword="null"/> for the defaults.</param>
    public MessagePackWriter(IBufferWriter<byte> output, MessagePackSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _maxDepth = (options ?? MessagePackSerializerOptions.Default).MaxDepth;
        _span = default;
        _buffered = 0;
        _depth = 0;
    }

    /// <summary>Hands every byte written so far to the buffer writer. Call once after the last value.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
            _span = default;
        }
    }

    /// <summary>Counts one more level of nesting (an object, array or map); call before writing its header.</summary>
    /// <exception cref="MessagePackSerializationException">The nesting is deeper than <see cref="MessagePackSerializerOptions.MaxDepth"/>, which is what a reference cycle looks like.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void IncrementDepth()
    {
        if (++_depth > _maxDepth)
        {
            ThrowTooDeep(_maxDepth);
        }
    }

    /// <summary>Leaves one level of nesting entered with <see cref="IncrementDepth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void DecrementDepth() => _depth--;

    /// <summary>Writes nil.</summary>
    public void WriteNil() => WriteByte(MessagePackCode.Nil);

    /// <summary>Writes true or false.</summary>
    /// <param name="value">The value.</param>
    public void Write(bool value) => WriteByte(value ? MessagePackCode.True : MessagePackCode.False);

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(sbyte value) => Write((long)value);

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(short value) => Write((long)value);

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(int value)
    {
        if ((uint)value <= MessagePackCode.MaxPositiveFixInt)
        {
            WriteByte((byte)value);
        }
        else
        {
            Write((long)value);
        }
    }

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(long value)
    {
        if (value >= 0)
        {
            Write((ulong)value);
            return;
        }

        var span = GetSpan(9);
        int length;
        if (value >= -32)
        {
            span[0] = unchecked((byte)value);
            length = 1;
        }
        else if (value >= sbyte.MinValue)
        {
            span[0] = MessagePackCode.Int8;
            span[1] = unchecked((byte)value);
            length = 2;
        }
        else if (value >= short.MinValue)
        {
            span[0] = MessagePackCode.Int16;
            BinaryPrimitives.WriteInt16BigEndian(span[1..], (short)value);
            length = 3;
        }
        else if (value >= int.MinValue)
        {
            span[0] = MessagePackCode.Int32;
            BinaryPrimitives.WriteInt32BigEndian(span[1..], (int)value);
            length = 5;
        }
        else
        {
            span[0] = MessagePackCode.Int64;
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
            length = 9;
        }

        _buffered += length;
    }

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(byte value) => Write((ulong)value);

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(ushort value) => Write((ulong)value);

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(uint value) => Write((ulong)value);

    /// <summary>Writes an integer in the smallest int format that holds it.</summary>
    /// <param name="value">The value.</param>
    public void Write(ulong value)
    {
        var span = GetSpan(9);
        int length;
        if (value <= MessagePackCode.MaxPositiveFixInt)
        {
            span[0] = (byte)value;
            length = 1;
        }
        else if (value <= byte.MaxValue)
        {
            span[0] = MessagePackCode.UInt8;
            span[1] = (byte)value;
            length = 2;
        }
        else if (value <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.UInt16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)value);
            length = 3;
        }
        else if (value <= uint.MaxValue)
        {
            span[0] = MessagePackCode.UInt32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)value);
            length = 5;
        }
        else
        {
            span[0] = MessagePackCode.UInt64;
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], value);
            length = 9;
        }

        _buffered += length;
    }

    /// <summary>Writes float 32.</summary>
    /// <param name="value">The value.</param>
    public void Write(float value)
    {
        var span = GetSpan(5);
        span[0] = MessagePackCode.Float32;
        BinaryPrimitives.WriteSingleBigEndian(span[1..], value);
        _buffered += 5;
    }

    /// <summary>
    /// Writes a double in the smallest float format that holds it exactly: float 32 when converting to
    /// <see cref="float"/> and back gives the same value (1.5, 0.25, infinities), float 64 otherwise (0.1, NaN).
    /// Every reader widens float 32 back to the same double.
    /// </summary>
    /// <param name="value">The value.</param>
    public void Write(double value)
    {
        var single = (float)value;
        if (single == value)
        {
            Write(single);
            return;
        }

        var span = GetSpan(9);
        span[0] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        _buffered += 9;
    }

    /// <summary>Writes the header of an array of <paramref name="count"/> elements; the caller writes the elements.</summary>
    /// <param name="count">The element count.</param>
    public void WriteArrayHeader(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 15)
        {
            WriteByte((byte)(MessagePackCode.MinFixArray | count));
        }
        else
        {
            WriteLengthHeader(MessagePackCode.Array16, MessagePackCode.Array32, (uint)count);
        }
    }

    /// <summary>Writes the header of a map of <paramref name="count"/> pairs; the caller writes key, value, key, value….</summary>
    /// <param name="count">The pair count.</param>
    public void WriteMapHeader(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 15)
        {
            WriteByte((byte)(MessagePackCode.MinFixMap | count));
        }
        else
        {
            WriteLengthHeader(MessagePackCode.Map16, MessagePackCode.Map32, (uint)count);
        }
    }

    /// <summary>Writes bin 8/16/32, or nil for <see langword="null"/>.</summary>
    /// <param name="value">The bytes.</param>
    public void WriteBinary(byte[]? value)
    {
        if (value is null)
        {
            WriteNil();
        }
        else
        {
            WriteBinary(value.AsSpan());
        }
    }

    /// <summary>Writes bin 8/16/32.</summary>
    /// <param name="value">The bytes.</param>
    public void WriteBinary(scoped ReadOnlySpan<byte> value)
    {
        var length = (uint)value.Length;
        var span = GetSpan(5);
        if (length <= byte.MaxValue)
        {
            span[0] = MessagePackCode.Bin8;
            span[1] = (byte)length;
            _buffered += 2;
        }
        else if (length <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.Bin16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            _buffered += 3;
        }
        else
        {
            span[0] = MessagePackCode.Bin32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], length);
            _buffered += 5;
        }

        WriteRaw(value);
    }

    /// <summary>Writes an extension header: fixext 1/2/4/8/16 when the length is one of those, else ext 8/16/32. The caller writes the data.</summary>
    /// <param name="typeCode">The extension type.</param>
    /// <param name="length">The data length.</param>
    public void WriteExtensionHeader(sbyte typeCode, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var span = GetSpan(6);
        var fixCode = length switch
        {
            1 => MessagePackCode.FixExt1,
            2 => MessagePackCode.FixExt2,
            4 => MessagePackCode.FixExt4,
            8 => MessagePackCode.FixExt8,
            16 => MessagePackCode.FixExt16,
            _ => (byte)0,
        };
        if (fixCode != 0)
        {
            span[0] = fixCode;
            span[1] = unchecked((byte)typeCode);
            _buffered += 2;
        }
        else if (length <= byte.MaxValue)
        {
            span[0] = MessagePackCode.Ext8;
            span[1] = (byte)length;
            span[2] = unchecked((byte)typeCode);
            _buffered += 3;
        }
        else if (length <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.Ext16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            span[3] = unchecked((byte)typeCode);
            _buffered += 4;
        }
        else
        {
            span[0] = MessagePackCode.Ext32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            span[5] = unchecked((byte)typeCode);
            _buffered += 6;
        }
    }

    /// <summary>Writes an extension value: its header, then <paramref name="data"/>.</summary>
    /// <param name="typeCode">The extension type.</param>
    /// <param name="data">The data.</param>
    public void WriteExtension(sbyte typeCode, scoped ReadOnlySpan<byte> data)
    {
        WriteExtensionHeader(typeCode, data.Length);
        WriteRaw(data);
    }

    /// <summary>
    /// Writes the timestamp extension (type -1) in its smallest form: timestamp 32 for whole seconds from 1970 to
    /// 2106, timestamp 64 up to 2514, timestamp 96 otherwise (and before 1970).
    /// </summary>
    /// <param name="seconds">Seconds since 1970-01-01T00:00:00Z.</param>
    /// <param name="nanoseconds">Nanoseconds within the second, 0 to 999,999,999.</param>
    public void WriteTimestamp(long seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nanoseconds, 999_999_999u);
        var span = GetSpan(15);
        if ((ulong)seconds >> 34 == 0)
        {
            var data64 = ((ulong)nanoseconds << 34) | (ulong)seconds;
            if ((data64 & 0xffffffff00000000UL) == 0)
            {
                span[0] = MessagePackCode.FixExt4;
                span[1] = 0xff;
                BinaryPrimitives.WriteUInt32BigEndian(span[2..], (uint)data64);
                _buffered += 6;
            }
            else
            {
                span[0] = MessagePackCode.FixExt8;
                span[1] = 0xff;
                BinaryPrimitives.WriteUInt64BigEndian(span[2..], data64);
                _buffered += 10;
            }
        }
        else
        {
            span[0] = MessagePackCode.Ext8;
            span[1] = 12;
            span[2] = 0xff;
            BinaryPrimitives.WriteUInt32BigEndian(span[3..], nanoseconds);
            BinaryPrimitives.WriteInt64BigEndian(span[7..], seconds);
            _buffered += 15;
        }
    }

    /// <summary>Writes bytes that already are MessagePack (for example a pre-encoded map key) as they are.</summary>
    /// <param name="messagePack">The bytes.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteRaw(scoped ReadOnlySpan<byte> messagePack)
    {
        if (messagePack.Length <= _span.Length - _buffered)
        {
            messagePack.CopyTo(_span[_buffered..]);
            _buffered += messagePack.Length;
        }
        else
        {
            WriteRawSlow(messagePack);
        }
    }

    private void WriteRawSlow(scoped ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var span = GetSpan(1);
            var chunk = Math.Min(span.Length, data.Length);
            data[..chunk].CopyTo(span);
            _buffered += chunk;
            data = data[chunk..];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteByte(byte value)
    {
        if (_buffered < _span.Length)
        {
            _span[_buffered++] = value;
        }
        else
        {
            GetSpan(1)[0] = value;
            _buffered++;
        }
    }

    private void WriteLengthHeader(byte code16, byte code32, uint length)
    {
        var span = GetSpan(5);
        if (length <= ushort.MaxValue)
        {
            span[0] = code16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            _buffered += 3;
        }
        else
        {
            span[0] = code32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], length);
            _buffered += 5;
        }
    }

    /// <summary>Room for at least <paramref name="size"/> bytes at the write position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> GetSpan(int size)
    {
        var available = _span[_buffered..];
        return available.Length >= size ? available : Grow(size);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span<byte> Grow(int size)
    {
        Flush();
        _span = _output.GetSpan(Math.Max(size, MinimumBufferSize));
        if (_span.Length < size)
        {
            throw new InvalidOperationException($"The IBufferWriter returned {_span.Length} bytes when asked for at least {size}.");
        }

        return _span;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooDeep(int maxDepth)
        => throw new MessagePackSerializationException(
            $"The value nests deeper than MaxDepth ({maxDepth}) levels; a reference cycle looks like this. Raise MessagePackSerializerOptions.MaxDepth if the nesting is real.");
}
