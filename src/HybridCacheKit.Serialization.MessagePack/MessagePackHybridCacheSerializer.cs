using System.Buffers;
using System.Reflection;
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

    /// <exception cref="MessagePackSerializationException">
    /// The bytes are not one valid MessagePack value of type <typeparamref name="T"/>, or break a limit (no inner exception,
    /// or a DecoderFallbackException for invalid UTF-8); or <typeparamref name="T"/>'s constructor or setter, or a
    /// formatter, threw (the inner exception).
    /// </exception>
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
            // Still the one exception type callers handle, so the engine records a miss and never sees a value. The inner
            // exception marks it as not the codec's verdict on the bytes (those carry none): T's own constructor or
            // setter rejected a value (reflection wraps that in TargetInvocationException, unwrapped here), or a
            // formatter has a bug.
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            throw new MessagePackSerializationException($"Reading '{typeof(T)}' failed with {cause.GetType().Name} thrown by the type's own code (a constructor or setter rejecting a value) or by a formatter: {cause.Message}", cause);
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
