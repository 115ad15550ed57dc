using System.Buffers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using HybridCacheKit.Serialization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Serialization;

/// <summary>
/// The default JSON fallback and <see cref="BigInteger"/>: System.Text.Json has no converter for it, so every value used to
/// come back from L2 as 0. It is now a JSON number of its digits.
/// </summary>
public class BigIntegerJsonTests
{
    private static readonly SerializerRegistry s_registry = new(new ServiceCollection().BuildServiceProvider(), new HybridCacheKitOptions());

    public static TheoryData<string> Values => ["0", "-1", "18446744073709551616", "-340282366920938463463374607431768211457", new string('9', BigIntegerJsonConverter.MaxDigits)];

    [Theory]
    [MemberData(nameof(Values))]
    public void DefaultJson_BigInteger_WrittenAsNumberAndReadBackEqual(string digits)
    {
        var value = BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        var serializer = s_registry.GetSerializer<BigInteger>();

        var bytes = Write(serializer, value);

        Assert.Equal(digits, Encoding.UTF8.GetString(bytes));
        Assert.Equal(value, serializer.Deserialize(new ReadOnlySequence<byte>(bytes)));
        Assert.Equal(value, serializer.Deserialize(Segments.Split(bytes, 3)));
    }

    [Fact]
    public void DefaultJson_BigIntegerMember_RoundTrips()
    {
        var serializer = s_registry.GetSerializer<Balance>();
        var value = new Balance("acct", BigInteger.Pow(2, 100), null);

        var bytes = Write(serializer, value);

        Assert.Equal("""{"Account":"acct","Amount":1267650600228229401496703205376,"Previous":null}""", Encoding.UTF8.GetString(bytes));
        Assert.Equal(value, serializer.Deserialize(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void DefaultJson_BigIntegerAsStringOfDigits_Read()
        => Assert.Equal(new BigInteger(-42), s_registry.GetSerializer<BigInteger>().Deserialize(Bytes("\"-42\"")));

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("\"12a\"")]
    [InlineData("true")]
    [InlineData("{}")]
    public void DefaultJson_NotAnInteger_JsonExceptionNotAWrongValue(string json)
        => Assert.Throws<JsonException>(() => s_registry.GetSerializer<BigInteger>().Deserialize(Bytes(json)));

    [Fact]
    public void DefaultJson_TooManyDigits_RejectedBeforeParsing()
    {
        var json = new string('7', BigIntegerJsonConverter.MaxDigits + 1);

        var ex = Assert.Throws<JsonException>(() => s_registry.GetSerializer<BigInteger>().Deserialize(Bytes(json)));

        Assert.Contains("4300 digits", ex.Message, StringComparison.Ordinal);
    }

    private static ReadOnlySequence<byte> Bytes(string json) => new(Encoding.UTF8.GetBytes(json));

    private static byte[] Write<T>(IHybridCacheSerializer<T> serializer, T value)
    {
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, writer);
        return writer.WrittenSpan.ToArray();
    }

    public sealed record Balance(string Account, BigInteger Amount, BigInteger? Previous);
}
