using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization;

/// <summary>The built-in serializer for <see cref="string"/>: the UTF-8 bytes, nothing else.</summary>
/// <remarks>
/// As in Microsoft's HybridCache, a <see langword="null"/> string is written as no bytes and so reads back as
/// <see cref="string.Empty"/>, and lone surrogates become U+FFFD. Invalid UTF-8 on read also becomes U+FFFD: this
/// serializer never throws on read.
/// </remarks>
internal sealed class StringSerializer : IHybridCacheSerializer<string>
{
    public static StringSerializer Instance { get; } = new();

    private StringSerializer()
    {
    }

    public string Deserialize(ReadOnlySequence<byte> source) => Encoding.UTF8.GetString(source);

    public void Serialize(string value, IBufferWriter<byte> target) => Encoding.UTF8.GetBytes(value ?? string.Empty, target);
}
