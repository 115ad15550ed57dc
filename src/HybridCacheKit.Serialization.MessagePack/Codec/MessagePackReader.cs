using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Reads MessagePack from memory, one value at a time, trusting nothing: every length is checked against the
/// bytes that remain and against <see cref="MessagePackSerializerOptions"/> before anything is allocated for it,
/// and every problem raises <see cref="MessagePackSerializationException"/>. A failed read leaves the position
/// where it was.
/// </summary>
/// <remarks>
/// A single-segment <see cref="ReadOnlySequence{T}"/> (what HybridCacheKit passes) is read in place. A
/// multi-segment one is copied once into one array, after <see cref="MessagePackSerializerOptions.MaxInputBytes"/>
/// has been checked, so that every read below works on one span.
/// </remarks>
public ref partial struct MessagePackReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly MessagePackSerializerOptions _options;
    private int _position;
    private int _depth;

    /// <summary>Creates a reader over <paramref name="source"/>.</summary>
    /// <param name="source">The MessagePack bytes.</param>
    /// <param name="options">The limits; <see langword="null"/> for the defaults.</param>
    /// <exception cref="MessagePackSerializationException">The input is longer than <see cref="MessagePackSerializerOptions.MaxInputBytes"/>.</exception>
    public MessagePackReader(ReadOnlySequence<byte> source, MessagePackSerializerOptions? options = null)
    {
        _options = options ?? MessagePackSerializerOptions.Default;
        CheckInputLength(source.Length, _options);
        _buffer = source.IsSingleSegment ? source.FirstSpan : source.ToArray();
        _position = 0;
        _depth = 0;
    }

    /// <summary>Creates a reader over <paramref name="source"/>.</summary>
    /// <param name="source">The MessagePack bytes.</param>
    /// <param name="options">The limits; <see langword="null"/> for the defaults.</param>
    /// <exception cref="MessagePackSerializationException">The input is longer than <see cref="MessagePackSerializerOptions.MaxInputBytes"/>.</exception>
    public MessagePackReader(ReadOnlySpan<byte> source, MessagePackSerializerOptions? options = null)
    {
        _options = options ?? MessagePackSerializerOptions.Default;
        CheckInputLength(source.Length, _options);
        _buffer = source;
        _position = 0;
        _depth = 0;
    }

    /// <summary>The limits in force.</summary>
    public readonly MessagePackSerializerOptions Options => _options;

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>How many bytes have been read.</summary>
    public readonly int Consumed => _position;

    /// <summary>The family of the next value, without reading it; <see cref="MessagePackType.Unknown"/> at the end.</summary>
    public readonly MessagePackType NextType => _position < _buffer.Length ? MessagePackCode.TypeOf(_buffer[_position]) : MessagePackType.Unknown;

    /// <summary>Counts one more level of nesting; formatters call it before reading an object, array or map.</summary>
    /// <exception cref="MessagePackSerializationException">The nesting is deeper than <see cref="MessagePackSerializerOptions.MaxDepth"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void IncrementDepth()
    {
        if (++_depth > _options.MaxDepth)
        {
            _depth--;
            ThrowTooDeep();
        }
    }

    /// <summary>Leaves one level of nesting entered with <see cref="IncrementDepth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void DecrementDepth() => _depth--;

    /// <summary>Reads nil if that is what comes next.</summary>
    /// <returns><see langword="true"/> when a nil was read; <see langword="false"/> (nothing read) otherwise.</returns>
    /// <exception cref="MessagePackSerializationException">There is no more data.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadNil()
    {
        if (PeekCode() == MessagePackCode.Nil)
        {
            _position++;
            return true;
        }

        return false;
    }

    /// <summary>Reads nil.</summary>
    /// <exception cref="MessagePackSerializationException">The next value is not nil, or there is no more data.</exception>
    public void ReadNil()
    {
        if (!TryReadNil())
        {
            ThrowUnexpected("nil");
        }
    }

    /// <summary>Reads true or false.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not a boolean, or there is no more data.</exception>
    public bool ReadBoolean()
    {
        var code = PeekCode();
        if (code == MessagePackCode.True || code == MessagePackCode.False)
        {
            _position++;
            return code == MessagePackCode.True;
        }

        ThrowUnexpected("a boolean");
        return false;
    }

    /// <summary>Reads the header of an array and checks its element count against the limits.</summary>
    /// <returns>The element count.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not an array, is truncated, or is longer than the limits or the data allow.</exception>
    public int ReadArrayHeader()
    {
        var code = PeekCode();
        long count;
        int headerLength;
        if (code is >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray)
        {
            count = code & 0x0f;
            headerLength = 1;
        }
        else if (code == MessagePackCode.Array16)
        {
            count = BinaryPrimitives.ReadUInt16BigEndian(Peek(3)[1..]);
            headerLength = 3;
        }
        else if (code == MessagePackCode.Array32)
        {
            count = BinaryPrimitives.ReadUInt32BigEndian(Peek(5)[1..]);
            headerLength = 5;
        }
        else
        {
            ThrowUnexpected("an array");
            return 0;
        }

        // Every element takes at least one byte: a count larger than what remains cannot be honest.
        CheckCount(count, 1, headerLength, "array");
        _position += headerLength;
        return (int)count;
    }

    /// <summary>Reads the header of a map and checks its pair count against the limits.</summary>
    /// <returns>The number of key/value pairs.</returns>
    /// <exception cref="MessagePackSerializationException">The next value is not a map, is truncated, or is longer than the limits or the data allow.</exception>
    public int ReadMapHeader()
    {
        var code = PeekCode();
        long count;
        int headerLength;
        if (code is >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap)
        {
            count = code & 0x0f;
            headerLength = 1;
        }
        else if (code == MessagePackCode.Map16)
        {
            count = BinaryPrimitives.ReadUInt16BigEndian(Peek(3)[1..]);
            headerLength = 3;
        }
        else if (code == MessagePackCode.Map32)
        {
            count = BinaryPrimitives.ReadUInt32BigEndian(Peek(5)[1..]);
            headerLength = 5;
        }
        else
        {
            ThrowUnexpected("a map");
            return 0;
        }

        CheckCount(count, 2, headerLength, "map");
        _position += headerLength;
        return (int)count;
    }

    /// <summary>Skips the next value, whatever it is, including everything nested in it.</summary>
    /// <exception cref="MessagePackSerializationException">The value is malformed, truncated, over a limit, or nests deeper than <see cref="MessagePackSerializerOptions.MaxDepth"/>.</exception>
    public void Skip()
    {
        var code = PeekCode();
        switch (MessagePackCode.TypeOf(code))
        {
            case MessagePackType.Nil:
            case MessagePackType.Boolean:
                _position++;
                break;
            case MessagePackType.Integer:
                _ = ReadInt128Core();
                break;
            case MessagePackType.Float:
                _ = ReadDouble();
                break;
            case MessagePackType.String:
                _ = ReadStringSpan();
                break;
            case MessagePackType.Binary:
                _ = ReadBinarySpan();
                break;
            case MessagePackType.Extension:
                var header = ReadExtensionHeader();
                _position += header.Length;
                break;
            case MessagePackType.Array:
                IncrementDepth();
                for (var count = ReadArrayHeader(); count > 0; count--)
                {
                    Skip();
                }

                DecrementDepth();
                break;
            case MessagePackType.Map:
                IncrementDepth();
                for (var count = ReadMapHeader(); count > 0; count--)
                {
                    Skip();
                    Skip();
                }

                DecrementDepth();
                break;
            default:
                ThrowMalformed($"The byte 0x{code:x2} at offset {_position} is not a MessagePack format (0xc1 is never used).");
                break;
        }
    }

    /// <summary>The first byte of the next value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly byte PeekCode()
    {
        if ((uint)_position >= (uint)_buffer.Length)
        {
            ThrowTruncated();
        }

        return _buffer[_position];
    }

    /// <summary>The next <paramref name="length"/> bytes, format byte included, without moving.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ReadOnlySpan<byte> Peek(int length)
    {
        if (length > _buffer.Length - _position)
        {
            ThrowTruncated();
        }

        return _buffer.Slice(_position, length);
    }

    private readonly void CheckCount(long count, int minimumBytesPerItem, int headerLength, string kind)
    {
        if (count > _options.MaxCollectionLength)
        {
            ThrowMalformed($"The {kind} at offset {_position} declares {count} entries, more than MaxCollectionLength ({_options.MaxCollectionLength}).");
        }

        if (count * minimumBytesPerItem > _buffer.Length - _position - headerLength)
        {
            ThrowMalformed($"The {kind} at offset {_position} declares {count} entries, but only {_buffer.Length - _position - headerLength} bytes remain.");
        }
    }

    private static void CheckInputLength(long length, MessagePackSerializerOptions options)
    {
        if (length > options.MaxInputBytes || length > Array.MaxLength)
        {
            throw new MessagePackSerializationException($"The input is {length} bytes, more than MaxInputBytes ({options.MaxInputBytes}).");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated()
        => throw new MessagePackSerializationException($"The MessagePack data ends early, at offset {_position} of {_buffer.Length}.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTooDeep()
        => throw new MessagePackSerializationException($"The data nests deeper than MaxDepth ({_options.MaxDepth}) levels at offset {_position}.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowUnexpected(string expected)
    {
        if (_position >= _buffer.Length)
        {
            ThrowTruncated();
        }

        var code = _buffer[_position];
        throw new MessagePackSerializationException(
            $"Expected {expected} at offset {_position} but found {Describe(code)} (0x{code:x2}).");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMalformed(string message) => throw new MessagePackSerializationException(message);

    private static string Describe(byte code) => MessagePackCode.TypeOf(code) switch
    {
        MessagePackType.Unknown => "the never-used format byte",
        MessagePackType.Integer => "an integer",
        MessagePackType.Nil => "nil",
        MessagePackType.Boolean => "a boolean",
        MessagePackType.Float => "a float",
        MessagePackType.String => "a string",
        MessagePackType.Binary => "binary",
        MessagePackType.Array => "an array",
        MessagePackType.Map => "a map",
        _ => "an extension",
    };
}
