using System.Diagnostics.CodeAnalysis;
using HybridCacheKit.Serialization.MessagePack.Resolution;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Serializes cached values as MessagePack. Types marked <see cref="GenerateMessagePackAttribute"/> use their
/// generated formatter; other types use a reflection-based one where reflection is allowed. Declines
/// <see cref="string"/> and <see cref="byte"/>[] unless <see cref="MessagePackSerializerOptions.EncodeStringAndByteArrayValues"/>
/// is set (the cache's raw UTF-8 and raw-bytes built-ins stay, so those values remain plain strings and blobs in L2),
/// and any type it cannot write and read back exactly, which then go to the next serializer.
/// </summary>
public sealed class MessagePackHybridCacheSerializerFactory : IHybridCacheSerializerFactory
{
    /// <summary>Creates a factory with the default limits.</summary>
    public MessagePackHybridCacheSerializerFactory()
        : this(null)
    {
    }

    /// <summary>Creates a factory with <paramref name="options"/>, copied and validated now.</summary>
    /// <param name="options">The limits; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public MessagePackHybridCacheSerializerFactory(MessagePackSerializerOptions? options)
        => Options = (options ?? MessagePackSerializerOptions.Default).Freeze();

    /// <summary>The limits in force (read-only).</summary>
    public MessagePackSerializerOptions Options { get; }

    /// <inheritdoc />
    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        if (!Options.EncodeStringAndByteArrayValues && (typeof(T) == typeof(string) || typeof(T) == typeof(byte[])))
        {
            serializer = null;
            return false;
        }

        var formatter = FormatterResolver.Find<T>(out _, out _);
        serializer = formatter is null ? null : new MessagePackHybridCacheSerializer<T>(formatter, Options);
        return serializer is not null;
    }
}
