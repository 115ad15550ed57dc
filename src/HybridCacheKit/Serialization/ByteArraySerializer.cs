using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization;

/// <summary>The built-in serializer for <see cref="byte"/>[]: the bytes as they are.</summary>
/// <remarks>
/// Every read returns a new array, so callers never share one. As in Microsoft's HybridCache, a
/// <see langword="null"/> array is written as no bytes and reads back as an empty array. Never throws on read.
/// </remarks>
internal sealed class ByteArraySerializer : IHybridCacheSerializer<byte[]>
{
    public static ByteArraySerializer Instance { get; } = new();

    private ByteArraySerializer()
    {
    }

    public byte[] Deserialize(ReadOnlySequence<byte> source) => source.ToArray();

    public void Serialize(byte[] value, IBufferWriter<byte> target) => target.Write<byte>(value);
}
