using System.Globalization;

namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>
/// A decimal is its invariant-culture string ("249.90", scale kept), which every language can parse exactly;
/// MessagePack has no decimal type and a float would round. Reads also accept integers and floats.
/// </summary>
/// <remarks>
/// Most cached decimals (prices, quantities) have a mantissa below 2^64; those are formatted and parsed here
/// digit by digit, which is several times faster than the general decimal routines. The output is byte-for-byte
/// what <c>decimal.ToString(CultureInfo.InvariantCulture)</c> produces; everything else goes through those routines.
/// </remarks>
internal sealed class DecimalFormatter : IMessagePackFormatter<decimal>
{
    public static readonly DecimalFormatter Instance = new();

    // "-" + 29 digits + "." (+ one leading "0") fits a fixstr's 31 bytes; the general path can need more.
    private const int MaxLength = 40;

    public void Serialize(ref MessagePackWriter writer, decimal value)
    {
        var span = writer.GetScratch(2 + MaxLength);
        if (!TryFormatFast(value, span[1..], out var written))
        {
            _ = value.TryFormat(span[1..], out written, default, CultureInfo.InvariantCulture);
        }

        if (written <= 31)
        {
            span[0] = (byte)(MessagePackCode.MinFixStr | written);
            writer.Advance(1 + written);
        }
        else
        {
            // Not reachable for a decimal's longest form (31 bytes), kept so a format change cannot corrupt output.
            span.Slice(1, written).CopyTo(span[2..]);
            span[0] = MessagePackCode.Str8;
            span[1] = (byte)written;
            writer.Advance(2 + written);
        }
    }

    public decimal Deserialize(ref MessagePackReader reader)
    {
        var start = reader.Consumed;
        if (reader.TryReadStringSpan(out var utf8))
        {
            if (TryParseFast(utf8, out var value)
                || decimal.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                return value;
            }

            throw new MessagePackSerializationException($"The string at offset {start} is not a decimal number.");
        }

        if (reader.NextType == MessagePackType.Integer)
        {
            return (decimal)reader.ReadInteger();
        }

        var number = reader.ReadDouble();
        return double.IsFinite(number) && Math.Abs(number) < 7.9e28
            ? (decimal)number
            : throw new MessagePackSerializationException($"The float at offset {start} ({number}) does not fit a decimal.");
    }

    internal static bool TryFormatFast(decimal value, Span<byte> destination, out int written)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        if (bits[2] != 0 || mantissa == 0)
        {
            // 96-bit mantissas and zero (whose sign rules are the runtime's to decide) take the general path.
            written = 0;
            return false;
        }

        var scale = (bits[3] >> 16) & 0xff;
        var negative = bits[3] < 0;

        // The runtime's integer formatting writes two digits per step; the decimal point is placed afterwards.
        Span<byte> digits = stackalloc byte[20];
        _ = mantissa.TryFormat(digits, out var count, default, CultureInfo.InvariantCulture);
        var digitSpan = digits[..count];
        var position = 0;
        if (negative)
        {
            destination[position++] = (byte)'-';
        }

        if (scale == 0)
        {
            digitSpan.CopyTo(destination[position..]);
            position += count;
        }
        else if (count <= scale)
        {
            destination[position++] = (byte)'0';
            destination[position++] = (byte)'.';
            destination.Slice(position, scale - count).Fill((byte)'0');
            position += scale - count;
            digitSpan.CopyTo(destination[position..]);
            position += count;
        }
        else
        {
            var whole = count - scale;
            digitSpan[..whole].CopyTo(destination[position..]);
            position += whole;
            destination[position++] = (byte)'.';
            digitSpan[whole..].CopyTo(destination[position..]);
            position += scale;
        }

        written = position;
        return true;
    }

    internal static bool TryParseFast(ReadOnlySpan<byte> utf8, out decimal value)
    {
        value = 0;
        var negative = false;
        var i = 0;
        if (utf8.Length > 0 && utf8[0] == '-')
        {
            negative = true;
            i = 1;
        }

        ulong mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (; i < utf8.Length; i++)
        {
            var c = utf8[i];
            if (c == '.')
            {
                if (scale >= 0 || digits == 0)
                {
                    return false;
                }

                scale = 0;
                continue;
            }

            var digit = (uint)(c - '0');
            if (digit > 9 || digits == 19)
            {
                // Anything else (exponent, spaces, 20+ digits) is left to decimal.TryParse.
                return false;
            }

            mantissa = (mantissa * 10) + digit;
            digits++;
            if (scale >= 0)
            {
                scale++;
            }
        }

        if (digits == 0 || scale == 0 || scale > 28)
        {
            return false;
        }

        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }
}
