using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Serialization;

public sealed class Person
{
    public string? FirstName { get; set; }

    public int Age { get; set; }
}

public sealed class ContextOnlyPoco
{
    public string? Value { get; set; }
}

public sealed class NotInAnyContext
{
    public int Number { get; set; }
}

[JsonSerializable(typeof(ContextOnlyPoco))]
[JsonSerializable(typeof(Person))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

[JsonSerializable(typeof(Person))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class SnakeCaseJsonContext : JsonSerializerContext;

/// <summary>A serializer that marks its output, so a test can tell which one was used.</summary>
public sealed class MarkerSerializer<T>(string marker) : IHybridCacheSerializer<T>
{
    public string Marker { get; } = marker;

    public T Deserialize(ReadOnlySequence<byte> source) => throw new NotSupportedException();

    public void Serialize(T value, IBufferWriter<byte> target) => target.Write(Encoding.UTF8.GetBytes(Marker));
}

/// <summary>A serializer for <see cref="Person"/> the service provider builds.</summary>
public sealed class PersonSerializer : IHybridCacheSerializer<Person>
{
    public Person Deserialize(ReadOnlySequence<byte> source) => new() { FirstName = Encoding.UTF8.GetString(source) };

    public void Serialize(Person value, IBufferWriter<byte> target) => target.Write(Encoding.UTF8.GetBytes(value.FirstName ?? ""));
}

/// <summary>A factory that handles the types it is told to, and counts how often it is asked.</summary>
public sealed class MarkerFactory(string marker, params Type[] handles) : IHybridCacheSerializerFactory
{
    public MarkerFactory()
        : this("generic-factory", typeof(Person))
    {
    }

    public string Marker { get; } = marker;

    public int Calls { get; private set; }

    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        Calls++;
        serializer = handles.Contains(typeof(T)) ? new MarkerSerializer<T>(Marker) : null;
        return serializer is not null;
    }
}

/// <summary>Splits bytes into a many-segment <see cref="ReadOnlySequence{T}"/>, as a pipe or a pooled reader would hand them over.</summary>
public static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, int segmentLength)
    {
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < bytes.Length; i += segmentLength)
        {
            var chunk = bytes.AsMemory(i, Math.Min(segmentLength, bytes.Length - i));
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
