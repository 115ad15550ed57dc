using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization.MessagePack.Tests;

/// <summary>Serializes through the factory, exactly as the cache does.</summary>
internal static class Mp
{
    public static readonly MessagePackHybridCacheSerializerFactory Factory = new();

    public static IHybridCacheSerializer<T> Serializer<T>(MessagePackHybridCacheSerializerFactory? factory = null)
    {
        Assert.True((factory ?? Factory).TryCreateSerializer<T>(out var serializer), $"the factory should accept {typeof(T)}");
        return serializer;
    }

    public static byte[] Serialize<T>(T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Serializer<T>().Serialize(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static T Deserialize<T>(byte[] bytes, MessagePackHybridCacheSerializerFactory? factory = null)
        => Serializer<T>(factory).Deserialize(new ReadOnlySequence<byte>(bytes));

    public static T RoundTrip<T>(T value) => Deserialize<T>(Serialize(value));

    public static string ToHex<T>(T value) => Convert.ToHexStringLower(Serialize(value));
}
