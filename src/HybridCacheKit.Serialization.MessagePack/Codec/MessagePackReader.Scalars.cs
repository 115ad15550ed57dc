using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace HybridCacheKit.Serialization.MessagePack;

// Integers and floats. Any int format is accepted for any integer type as long as the value fits, because other
// writers choose formats by value, not by the reader's type.
public ref partial struct MessagePackReader
{
    /// <summary>Reads an integer that fits an <see cref="int"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadInt32()
    {
        if ((uint)_position < (uint)_buffer.Length && _buffer[_position] <= MessagePackCode.MaxPositiveFixInt)
        {
            return _buffer[_position++];
        }

        return (int)ReadInRange(int.MinValue, int.MaxValue, "Int32");
    }

    /// <summary>Reads an integer that fits a <see cref="long"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public long ReadInt64()
    {
        if ((uint)_position < (uint)_buffer.Length && _buffer[_position] <= MessagePackCode.MaxPositiveFixInt)
        {
            return _buffer[_position++];
        }

        return (long)ReadInRange(long.MinValue, long.MaxValue, "Int64");
    }

    /// <summary>Reads an integer that fits a <see cref="short"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public short ReadInt16() => (short)ReadInRange(short.MinValue, short.MaxValue, "Int16");

    /// <summary>Reads an integer that fits an <see cref="sbyte"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public sbyte ReadSByte() => (sbyte)ReadInRange(sbyte.MinValue, sbyte.MaxValue, "SByte");

    /// <summary>Reads an integer that fits a <see cref="byte"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public byte ReadByte() => (byte)ReadInRange(byte.MinValue, byte.MaxValue, "Byte");

    /// <summary>Reads an integer that fits a <see cref="ushort"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public ushort ReadUInt16() => (ushort)ReadInRange(ushort.MinValue, ushort.MaxValue, "UInt16");

    /// <summary>Reads an integer that fits a <see cref="uint"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public uint ReadUInt32() => (uint)ReadInRange(uint.MinValue, uint.MaxValue, "UInt32");

    /// <summary>Reads an integer that fits a <see cref="ulong"/>.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer, does not fit, or is truncated.</exception>
    public ulong ReadUInt64() => (ulong)ReadInRange(ulong.MinValue, ulong.MaxValue, "UInt64");

    /// <summary>Reads float 32 or float 64 (narrowed), or an integer.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not a number, or is truncated.</exception>
    public float ReadSingle()
    {
        var code = PeekCode();
        if (code == MessagePackCode.Float32)
        {
            var value = BinaryPrimitives.ReadSingleBigEndian(Peek(5)[1..]);
            _position += 5;
            return value;
        }

        return (float)ReadDouble();
    }

    /// <summary>Reads float 64 or float 32, or an integer (Python and JavaScript peers write whole numbers as integers).</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not a number, or is truncated.</exception>
    public double ReadDouble()
    {
        var code = PeekCode();
        switch (code)
        {
            case MessagePackCode.Float64:
                var d = BinaryPrimitives.ReadDoubleBigEndian(Peek(9)[1..]);
                _position += 9;
                return d;
            case MessagePackCode.Float32:
                var f = BinaryPrimitives.ReadSingleBigEndian(Peek(5)[1..]);
                _position += 5;
                return f;
            default:
                if (MessagePackCode.TypeOf(code) != MessagePackType.Integer)
                {
                    ThrowUnexpected("a number");
                }

                return (double)ReadInt128Core();
        }
    }

    /// <summary>Reads any integer, widened so that every int 64 and uint 64 value is exact.</summary>
    internal Int128 ReadInteger() => ReadInt128Core();

    private Int128 ReadInRange(Int128 min, Int128 max, string typeName)
    {
        var start = _position;
        var value = ReadInt128Core();
        if (value < min || value > max)
        {
            _position = start;
            ThrowMalformed($"The integer {value} at offset {start} does not fit {typeName}.");
        }

        return value;
    }

    /// <summary>Any int format, widened so that every uint 64 and int 64 value is exact.</summary>
    private Int128 ReadInt128Core()
    {
        var code = PeekCode();
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            _position++;
            return code;
        }

        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            _position++;
            return unchecked((sbyte)code);
        }

        Int128 value;
        int length;
        switch (code)
        {
            case MessagePackCode.UInt8:
                value = Peek(2)[1];
                length = 2;
                break;
            case MessagePackCode.UInt16:
                value = BinaryPrimitives.ReadUInt16BigEndian(Peek(3)[1..]);
                length = 3;
                break;
            case MessagePackCode.UInt32:
                value = BinaryPrimitives.ReadUInt32BigEndian(Peek(5)[1..]);
                length = 5;
                break;
            case MessagePackCode.UInt64:
                value = BinaryPrimitives.ReadUInt64BigEndian(Peek(9)[1..]);
                length = 9;
                break;
            case MessagePackCode.Int8:
                value = unchecked((sbyte)Peek(2)[1]);
                length = 2;
                break;
            case MessagePackCode.Int16:
                value = BinaryPrimitives.ReadInt16BigEndian(Peek(3)[1..]);
                length = 3;
                break;
            case MessagePackCode.Int32:
                value = BinaryPrimitives.ReadInt32BigEndian(Peek(5)[1..]);
                length = 5;
                break;
            case MessagePackCode.Int64:
                value = BinaryPrimitives.ReadInt64BigEndian(Peek(9)[1..]);
                length = 9;
                break;
            default:
                ThrowUnexpected("an integer");
                return 0;
        }

        _position += length;
        return value;
    }
}
