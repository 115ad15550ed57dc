using System.Buffers;
using System.Text.Json;

namespace HybridCacheKit.Serialization;

/// <summary>
/// One idle <see cref="Utf8JsonWriter"/> per thread, so serializing a value does not allocate a writer each time.
/// </summary>
/// <remarks>
/// The writer is taken out of the slot while in use, so a serialization nested on the same thread (a converter
/// that serializes through the cache) gets a fresh writer instead of corrupting the one in use. It is matched to
/// the <see cref="JsonSerializerOptions"/> it was made for, by reference: those options are read-only by then, so
/// the writer settings derived from them cannot have changed.
/// </remarks>
internal static class Utf8JsonWriterCache
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static JsonSerializerOptions? t_owner;

    public static Utf8JsonWriter Rent(IBufferWriter<byte> target, JsonSerializerOptions owner, in JsonWriterOptions writerOptions)
    {
        var writer = t_writer;
        if (writer is not null && ReferenceEquals(t_owner, owner))
        {
            t_writer = null;
            writer.Reset(target);
            return writer;
        }

        return new Utf8JsonWriter(target, writerOptions);
    }

    public static void Return(Utf8JsonWriter writer, JsonSerializerOptions owner)
    {
        // Forget the caller's buffer (and anything left unflushed by a failed serialization) before parking the writer.
        writer.Reset(DetachedOutput.Instance);
        t_writer = writer;
        t_owner = owner;
    }

    /// <summary>What an idle writer points at; nothing ever writes to it.</summary>
    private sealed class DetachedOutput : IBufferWriter<byte>
    {
        public static DetachedOutput Instance { get; } = new();

        public void Advance(int count) => throw new InvalidOperationException("An idle cached Utf8JsonWriter was written to.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("An idle cached Utf8JsonWriter was written to.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("An idle cached Utf8JsonWriter was written to.");
    }
}
