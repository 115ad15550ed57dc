using System.Globalization;
using System.Numerics;

namespace HybridCacheKit.Serialization.MessagePack.Formatters;

// Int128, UInt128 and BigInteger: an int when the value fits MessagePack's int family (int 64 or uint 64), so peers
// read an ordinary number, and otherwise the invariant decimal digits as a str, which every language parses exactly
// (Python: int(s)). Reads accept either form for any value. Half is a float 32, which holds every Half exactly.

/// <summary>Writes and parses the decimal-digit form shared by the wide integer formatters.</summary>
internal static class WideInteger
{
    /// <summary>
    /// The most digits a BigInteger may have: Python's default limit for converting between int and str
    /// (sys.get_int_max_str_digits), so every value written here can be read back there, and parsing stays cheap.
    /// </summary>
    public const int MaxDigits = 4300;

    public static void WriteDigits<T>(ref MessagePackWriter writer, T value)
        where T : IUtf8SpanFormattable
    {
        // The longest Int128 or UInt128 is 40 bytes with its sign.
        Span<byte> digits = stackalloc byte[48];
        _ = value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        writer.WriteUtf8String(digits[..written]);
    }

    public static T Read<T>(ref MessagePackReader reader, string typeName, int maxDigits, bool signed)
        where T : IBinaryInteger<T>
    {
        var start = reader.Consumed;
        if (reader.NextType == MessagePackType.Integer)
        {
            // Every int 64 and uint 64 fits Int128 and BigInteger; only a negative one for UInt128 does not.
            var integer = reader.ReadInteger();
            return integer >= 0 || signed
                ? T.CreateTruncating(integer)
                : throw new MessagePackSerializationException($"The integer {integer} at offset {start} does not fit {typeName}.");
        }

        if (reader.NextType != MessagePackType.String)
        {
            throw new MessagePackSerializationException($"Expected an integer or a string of decimal digits for {typeName} at offset {start} but found {reader.NextType}.");
        }

        var utf8 = reader.ReadStringSpan();

        // Checked before parsing, so a long string of digits costs nothing (BigInteger parsing is superlinear).
        var digits = utf8.Length - (utf8 is [(byte)'-' or (byte)'+', ..] ? 1 : 0);
        if (digits > maxDigits || !T.TryParse(utf8, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new MessagePackSerializationException($"The string at offset {start} is not a {typeName} of at most {maxDigits} decimal digits.");
        }

        return value;
    }
}

internal sealed class Int128Formatter : IMessagePackFormatter<Int128>
{
    public static readonly Int128Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Int128 value)
    {
        if (value >= long.MinValue && value <= long.MaxValue)
        {
            writer.Write((long)value);
        }
        else if (value > 0 && value <= ulong.MaxValue)
        {
            writer.Write((ulong)value);
        }
        else
        {
            WideInteger.WriteDigits(ref writer, value);
        }
    }

    public Int128 Deserialize(ref MessagePackReader reader) => WideInteger.Read<Int128>(ref reader, "Int128", 39, signed: true);
}

internal sealed class UInt128Formatter : IMessagePackFormatter<UInt128>
{
    public static readonly UInt128Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, UInt128 value)
    {
        if (value <= ulong.MaxValue)
        {
            writer.Write((ulong)value);
        }
        else
        {
            WideInteger.WriteDigits(ref writer, value);
        }
    }

    public UInt128 Deserialize(ref MessagePackReader reader) => WideInteger.Read<UInt128>(ref reader, "UInt128", 39, signed: false);
}

internal sealed class BigIntegerFormatter : IMessagePackFormatter<BigInteger>
{
    public static readonly BigIntegerFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, BigInteger value)
    {
        if (value >= long.MinValue && value <= ulong.MaxValue)
        {
            if (value.Sign < 0)
            {
                writer.Write((long)value);
            }
            else
            {
                writer.Write((ulong)value);
            }

            return;
        }

        // 10^4300 needs 14,285 bits: anything longer is over the limit without formatting it.
        var text = value.GetBitLength() <= 14_300 ? value.ToString(CultureInfo.InvariantCulture) : null;
        if (text is null || text.Length - (value.Sign < 0 ? 1 : 0) > WideInteger.MaxDigits)
        {
            throw new MessagePackSerializationException($"A BigInteger of more than {WideInteger.MaxDigits} decimal digits cannot be written (the limit keeps reads cheap and matches Python's default).");
        }

        writer.Write(text);
    }

    public BigInteger Deserialize(ref MessagePackReader reader) => WideInteger.Read<BigInteger>(ref reader, "BigInteger", WideInteger.MaxDigits, signed: true);
}

internal sealed class HalfFormatter : IMessagePackFormatter<Half>
{
    public static readonly HalfFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Half value) => writer.Write((float)value);

    public Half Deserialize(ref MessagePackReader reader) => (Half)reader.ReadDouble();
}
