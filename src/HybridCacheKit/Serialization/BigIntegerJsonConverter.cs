using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HybridCacheKit.Serialization;

/// <summary>
/// <see cref="BigInteger"/> as a JSON number of its decimal digits (<c>18446744073709551616</c>), which every JSON reader
/// takes as an integer (Python's <c>json</c> as an <c>int</c>). System.Text.Json has no converter for it and maps its public
/// properties instead, so without this a cached <see cref="BigInteger"/> came back as 0. Reads also accept a string of
/// digits. At most <see cref="MaxDigits"/> digits are read, checked before parsing (parsing is quadratic in the length).
/// </summary>
internal sealed class BigIntegerJsonConverter : JsonConverter<BigInteger>
{
    /// <summary>The longest value read, in digits (Python's default int/str conversion limit, as the MessagePack codec uses).</summary>
    internal const int MaxDigits = 4300;

    public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String))
        {
            throw new JsonException($"A BigInteger must be a JSON number or a string of digits, not {reader.TokenType}.");
        }

        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxDigits + 1)
        {
            // Before copying it: a sign and MaxDigits digits at most (a string's length may include escapes, which
            // are not digits anyway).
            throw new JsonException($"A BigInteger of more than {MaxDigits} digits is not read ({length} characters).");
        }

        var text = reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : Encoding.ASCII.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        var digits = text.Length - (text.Length > 0 && text[0] is '-' or '+' ? 1 : 0);
        if (digits > MaxDigits)
        {
            throw new JsonException($"A BigInteger of more than {MaxDigits} digits is not read ({digits} digits).");
        }

        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new JsonException("A BigInteger must be an integer (digits with an optional sign, no fraction or exponent).");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
    }
}
