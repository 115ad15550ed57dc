namespace HybridCacheKit.Serialization.MessagePack.Formatters;

// One singleton per primitive. Integers are written in the smallest int format; reads accept any int format the
// value fits (see MessagePackReader).
internal sealed class BooleanFormatter : IMessagePackFormatter<bool>
{
    public static readonly BooleanFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, bool value) => writer.Write(value);

    public bool Deserialize(ref MessagePackReader reader) => reader.ReadBoolean();
}

internal sealed class ByteFormatter : IMessagePackFormatter<byte>
{
    public static readonly ByteFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, byte value) => writer.Write(value);

    public byte Deserialize(ref MessagePackReader reader) => reader.ReadByte();
}

internal sealed class SByteFormatter : IMessagePackFormatter<sbyte>
{
    public static readonly SByteFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, sbyte value) => writer.Write(value);

    public sbyte Deserialize(ref MessagePackReader reader) => reader.ReadSByte();
}

internal sealed class Int16Formatter : IMessagePackFormatter<short>
{
    public static readonly Int16Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, short value) => writer.Write(value);

    public short Deserialize(ref MessagePackReader reader) => reader.ReadInt16();
}

internal sealed class UInt16Formatter : IMessagePackFormatter<ushort>
{
    public static readonly UInt16Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ushort value) => writer.Write(value);

    public ushort Deserialize(ref MessagePackReader reader) => reader.ReadUInt16();
}

internal sealed class Int32Formatter : IMessagePackFormatter<int>
{
    public static readonly Int32Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, int value) => writer.Write(value);

    public int Deserialize(ref MessagePackReader reader) => reader.ReadInt32();
}

internal sealed class UInt32Formatter : IMessagePackFormatter<uint>
{
    public static readonly UInt32Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, uint value) => writer.Write(value);

    public uint Deserialize(ref MessagePackReader reader) => reader.ReadUInt32();
}

internal sealed class Int64Formatter : IMessagePackFormatter<long>
{
    public static readonly Int64Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, long value) => writer.Write(value);

    public long Deserialize(ref MessagePackReader reader) => reader.ReadInt64();
}

internal sealed class UInt64Formatter : IMessagePackFormatter<ulong>
{
    public static readonly UInt64Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ulong value) => writer.Write(value);

    public ulong Deserialize(ref MessagePackReader reader) => reader.ReadUInt64();
}

internal sealed class SingleFormatter : IMessagePackFormatter<float>
{
    public static readonly SingleFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, float value) => writer.Write(value);

    public float Deserialize(ref MessagePackReader reader) => reader.ReadSingle();
}

internal sealed class DoubleFormatter : IMessagePackFormatter<double>
{
    public static readonly DoubleFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, double value) => writer.Write(value);

    public double Deserialize(ref MessagePackReader reader) => reader.ReadDouble();
}

internal sealed class StringFormatter : IMessagePackFormatter<string?>
{
    public static readonly StringFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, string? value) => writer.Write(value);

    public string? Deserialize(ref MessagePackReader reader) => reader.ReadString();
}

internal sealed class ByteArrayFormatter : IMessagePackFormatter<byte[]?>
{
    public static readonly ByteArrayFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, byte[]? value) => writer.WriteBinary(value);

    public byte[]? Deserialize(ref MessagePackReader reader) => reader.ReadBinary();
}

/// <summary>A char is a one-character string, as JSON writes it.</summary>
internal sealed class CharFormatter : IMessagePackFormatter<char>
{
    public static readonly CharFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, char value) => writer.Write(new ReadOnlySpan<char>(in value));

    public char Deserialize(ref MessagePackReader reader)
    {
        // One UTF-16 char is 1 to 3 UTF-8 bytes: the length is checked before decoding, so a long string costs nothing.
        var start = reader.Consumed;
        if (reader.TryReadNil())
        {
            throw new MessagePackSerializationException($"Expected a one-character string for a Char at offset {start} but found nil.");
        }

        var utf8 = reader.ReadStringSpan();
        Span<char> decoded = stackalloc char[2];
        if (utf8.Length is 0 or > 3
            || System.Text.Unicode.Utf8.ToUtf16(utf8, decoded, out _, out var written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done
            || written != 1)
        {
            throw new MessagePackSerializationException($"Expected a one-character string for a Char at offset {start} but found {utf8.Length} UTF-8 bytes that are not one valid character.");
        }

        return decoded[0];
    }
}

/// <summary>A TimeSpan is its tick count (100 ns units) as an integer.</summary>
internal sealed class TimeSpanFormatter : IMessagePackFormatter<TimeSpan>
{
    public static readonly TimeSpanFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, TimeSpan value) => writer.Write(value.Ticks);

    public TimeSpan Deserialize(ref MessagePackReader reader) => new(reader.ReadInt64());
}
