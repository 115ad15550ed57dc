using System.Buffers;

namespace HybridCacheKit.Serialization.MessagePack.Tests;

internal delegate void WriteAction(ref MessagePackWriter writer);

internal delegate T ReadFunc<T>(ref MessagePackReader reader);

/// <summary>Helpers that turn writer calls into lowercase hex and back.</summary>
internal static class Hex
{
    public static byte[] Bytes(WriteAction write, MessagePackSerializerOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer, options);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static string Encode(WriteAction write) => Convert.ToHexStringLower(Bytes(write));

    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static T Read<T>(string hex, ReadFunc<T> read) => Read(Parse(hex), read);

    public static T Read<T>(byte[] bytes, ReadFunc<T> read)
    {
        var reader = new MessagePackReader(bytes);
        var value = read(ref reader);
        Assert.True(reader.End, "the reader should consume the whole value");
        return value;
    }

    /// <summary>The header hex followed by <paramref name="count"/> repetitions of <paramref name="item"/>.</summary>
    public static string Repeat(string header, string item, int count) => header + string.Concat(Enumerable.Repeat(item, count));
}
