using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>Serializes <typeparamref name="T"/> as one MessagePack value through its formatter.</summary>
internal sealed class MessagePackHybridCacheSerializer<T> : IHybridCacheSerializer<T>
{
    private readonly MessagePackSerializerOptions _options;

    public MessagePackHybridCacheSerializer(IMessagePackFormatter<T> formatter, MessagePackSerializerOptions options)
    {
        Formatter = formatter;
        _options = options;
    }

    public IMessagePackFormatter<T> Formatter { get; }

    /// <exception cref="MessagePackSerializationException">The bytes are not one valid MessagePack value of type <typeparamref name="T"/>, or break a limit.</exception>
    public T Deserialize(ReadOnlySequence<byte> source)
    {
        try
        {
            var reader = new MessagePackReader(source, _options);
            var value = Formatter.Deserialize(ref reader);
            if (!reader.End)
            {
                throw new MessagePackSerializationException($"{source.Length - reader.Consumed} unexpected bytes follow the MessagePack value at offset {reader.Consumed}.");
            }

            return value;
        }
        catch (Exception ex) when (ex is not MessagePackSerializationException)
        {
            // The one exception type callers handle: a formatter, a constructor or a setter of T may throw anything.
            throw new MessagePackSerializationException($"The MessagePack data could not be read as '{typeof(T)}': {ex.Message}", ex);
        }
    }

    /// <exception cref="MessagePackSerializationException">The value nests deeper than MaxDepth (for example a reference cycle).</exception>
    public void Serialize(T value, IBufferWriter<byte> target)
    {
        var writer = new MessagePackWriter(target, _options);
        Formatter.Serialize(ref writer, value);
        writer.Flush();
    }
}
