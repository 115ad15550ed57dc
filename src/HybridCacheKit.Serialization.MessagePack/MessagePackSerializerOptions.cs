namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Limits that protect a reader from untrusted input, and the nesting limit of the writer. Every limit is checked
/// before anything is allocated for the value it guards. Going over one raises <see cref="MessagePackSerializationException"/>.
/// Also whether cached <see cref="string"/> and <see cref="byte"/>[] values are MessagePack too
/// (<see cref="EncodeStringAndByteArrayValues"/>).
/// </summary>
public sealed class MessagePackSerializerOptions
{
    private int _maxDepth = 64;
    private int _maxCollectionLength = 1024 * 1024;
    private int _maxStringBytes = 16 * 1024 * 1024;
    private int _maxBinaryBytes = 64 * 1024 * 1024;
    private long _maxInputBytes = 256L * 1024 * 1024;
    private bool _encodeStringAndByteArrayValues;
    private bool _frozen;

    /// <summary>The options used when none are given.</summary>
    public static MessagePackSerializerOptions Default { get; } = CreateDefault();

    /// <summary>How deeply arrays, maps and objects may nest, on read and on write (a reference cycle hits it on write).</summary>
    /// <value>Defaults to 64. Must be between 1 and 1000.</value>
    public int MaxDepth
    {
        get => _maxDepth;
        set => _maxDepth = Set(value);
    }

    /// <summary>The largest element count of one array, or pair count of one map, a reader accepts.</summary>
    /// <value>Defaults to 1,048,576. Must be positive.</value>
    public int MaxCollectionLength
    {
        get => _maxCollectionLength;
        set => _maxCollectionLength = Set(value);
    }

    /// <summary>The largest string, in UTF-8 bytes, a reader accepts.</summary>
    /// <value>Defaults to 16 MiB. Must be positive.</value>
    public int MaxStringBytes
    {
        get => _maxStringBytes;
        set => _maxStringBytes = Set(value);
    }

    /// <summary>The largest binary (bin) or extension payload, in bytes, a reader accepts.</summary>
    /// <value>Defaults to 64 MiB. Must be positive.</value>
    public int MaxBinaryBytes
    {
        get => _maxBinaryBytes;
        set => _maxBinaryBytes = Set(value);
    }

    /// <summary>The largest whole payload, in bytes, a reader accepts; checked before the first byte is decoded.</summary>
    /// <value>Defaults to 256 MiB. Must be positive. HybridCacheKit's own <c>MaximumPayloadBytes</c> (1 MiB by default) is usually lower and applies first.</value>
    public long MaxInputBytes
    {
        get => _maxInputBytes;
        set
        {
            ThrowIfFrozen();
            _maxInputBytes = value;
        }
    }

    /// <summary>
    /// Whether a cached value whose type is <see cref="string"/> or <see cref="byte"/>[] is written as a MessagePack str
    /// or bin, like any other value. Off, the serializer declines those two types and the cache's built-ins store the
    /// raw UTF-8 text and the raw bytes. Members of those types are always str and bin.
    /// </summary>
    /// <value>
    /// Defaults to false: in interop mode a string is then what redis-py's <c>setex(key, ttl, "text")</c> writes and
    /// <c>get</c> returns. Set it to true when peers store every value with <c>msgpack.packb</c>, strings included.
    /// Changing it makes strings and byte arrays already cached unreadable (read as misses, then replaced).
    /// </value>
    public bool EncodeStringAndByteArrayValues
    {
        get => _encodeStringAndByteArrayValues;
        set
        {
            ThrowIfFrozen();
            _encodeStringAndByteArrayValues = value;
        }
    }

    /// <summary>Throws when a setting is out of range, naming it; the serializer factory calls this once at startup.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (_maxDepth is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), _maxDepth, "MessagePackSerializerOptions.MaxDepth must be between 1 and 1000.");
        }

        Check(_maxCollectionLength, nameof(MaxCollectionLength));
        Check(_maxStringBytes, nameof(MaxStringBytes));
        Check(_maxBinaryBytes, nameof(MaxBinaryBytes));
        if (_maxInputBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInputBytes), _maxInputBytes, "MessagePackSerializerOptions.MaxInputBytes must be positive.");
        }

        static void Check(int value, string name)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"MessagePackSerializerOptions.{name} must be positive.");
            }
        }
    }

    /// <summary>A validated copy that can no longer change, so a running serializer never sees its limits move.</summary>
    internal MessagePackSerializerOptions Freeze()
    {
        if (_frozen)
        {
            return this;
        }

        Validate();
        return new MessagePackSerializerOptions
        {
            _maxDepth = _maxDepth,
            _maxCollectionLength = _maxCollectionLength,
            _maxStringBytes = _maxStringBytes,
            _maxBinaryBytes = _maxBinaryBytes,
            _maxInputBytes = _maxInputBytes,
            _encodeStringAndByteArrayValues = _encodeStringAndByteArrayValues,
            _frozen = true,
        };
    }

    private static MessagePackSerializerOptions CreateDefault() => new MessagePackSerializerOptions().Freeze();

    private int Set(int value)
    {
        ThrowIfFrozen();

        // Range checks happen in Validate, so the message can name the setting and the rule in one place.
        return value;
    }

    private void ThrowIfFrozen()
    {
        if (_frozen)
        {
            throw new InvalidOperationException("These MessagePackSerializerOptions are in use and can no longer change; create a new instance.");
        }
    }
}
