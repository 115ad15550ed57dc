namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Writes and reads one .NET type as MessagePack. The source generator emits one per type marked
/// <see cref="GenerateMessagePackAttribute"/>; the package has them for primitives and collections.
/// </summary>
/// <typeparam name="T">The type handled.</typeparam>
public interface IMessagePackFormatter<T>
{
    /// <summary>Writes <paramref name="value"/> as exactly one MessagePack value.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value; <see langword="null"/> is written as nil.</param>
    void Serialize(ref MessagePackWriter writer, T value);

    /// <summary>Reads exactly one MessagePack value.</summary>
    /// <param name="reader">The reader, positioned on the value.</param>
    /// <returns>The value.</returns>
    /// <exception cref="MessagePackSerializationException">The data is malformed, over a limit, or not a <typeparamref name="T"/>.</exception>
    T Deserialize(ref MessagePackReader reader);
}
