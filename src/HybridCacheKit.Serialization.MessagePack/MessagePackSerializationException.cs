namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// The one exception the MessagePack reader, writer and serializer throw because of the data: malformed, truncated or
/// over-limit bytes, a value of the wrong kind for the target type, or a value that cannot be written (too deep,
/// a reference cycle). HybridCacheKit treats it, like any exception from a serializer, as a cache miss.
/// </summary>
public sealed class MessagePackSerializationException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public MessagePackSerializationException()
        : base("The MessagePack data could not be processed.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    /// <param name="message">What went wrong, and where.</param>
    public MessagePackSerializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> that wraps <paramref name="innerException"/>.</summary>
    /// <param name="message">What went wrong, and where.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MessagePackSerializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
