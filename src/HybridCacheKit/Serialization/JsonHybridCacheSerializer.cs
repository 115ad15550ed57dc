using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization;

/// <summary>
/// Serializes <typeparamref name="T"/> as UTF-8 JSON through a <see cref="JsonTypeInfo{T}"/>, so it is as trim- and
/// AOT-safe as the type info it is given (source-generated type info is fully safe).
/// </summary>
/// <typeparam name="T">The cached type.</typeparam>
internal sealed class JsonHybridCacheSerializer<T> : IHybridCacheSerializer<T>
{
    // Same defaults as JsonSerializer's own writer: depth 0 in the options means 64.
    private const int DefaultMaxDepth = 64;

    private readonly JsonWriterOptions _writerOptions;
    private readonly JsonReaderOptions _readerOptions;

    public JsonHybridCacheSerializer(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        TypeInfo = typeInfo;
        var options = typeInfo.Options;
        _writerOptions = new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
            MaxDepth = options.MaxDepth == 0 ? DefaultMaxDepth : options.MaxDepth,
        };
        _readerOptions = new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.ReadCommentHandling,
            MaxDepth = options.MaxDepth,
        };
    }

    /// <summary>The contract used for both directions.</summary>
    public JsonTypeInfo<T> TypeInfo { get; }

    /// <summary>Reads one JSON value, which must be all the input holds.</summary>
    /// <exception cref="JsonException">The bytes are not valid JSON for <typeparamref name="T"/>. The engine treats any exception from here as a cache miss.</exception>
    public T Deserialize(ReadOnlySequence<byte> source)
    {
        if (source.IsSingleSegment)
        {
            return JsonSerializer.Deserialize(source.FirstSpan, TypeInfo)!;
        }

        var reader = new Utf8JsonReader(source, _readerOptions);
        var value = JsonSerializer.Deserialize(ref reader, TypeInfo);

        // The span overload above rejects anything after the value; hold the segmented path to the same rule.
        if (reader.Read())
        {
            throw new JsonException("Unexpected data after the JSON value.");
        }

        return value!;
    }

    /// <summary>Writes <paramref name="value"/> as JSON.</summary>
    /// <exception cref="JsonException">The value cannot be represented (a reference cycle, a depth limit).</exception>
    /// <exception cref="NotSupportedException">The type or one of its members is not supported by System.Text.Json.</exception>
    public void Serialize(T value, IBufferWriter<byte> target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var owner = TypeInfo.Options;
        var writer = Utf8JsonWriterCache.Rent(target, owner, _writerOptions);
        try
        {
            JsonSerializer.Serialize(writer, value, TypeInfo);
            writer.Flush();
        }
        finally
        {
            Utf8JsonWriterCache.Return(writer, owner);
        }
    }
}
