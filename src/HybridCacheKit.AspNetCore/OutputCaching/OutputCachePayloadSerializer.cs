using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.AspNetCore.OutputCaching;

/// <summary>The payload's L2 form: the framework's bytes as they are (the engine's envelope checks them on the way back).</summary>
internal sealed class OutputCachePayloadSerializer : IHybridCacheSerializer<OutputCachePayload>
{
    public static OutputCachePayloadSerializer Instance { get; } = new();

    private OutputCachePayloadSerializer()
    {
    }

    // The source is the engine's pooled read buffer, so the one copy on an L2 hit is unavoidable.
    public OutputCachePayload Deserialize(ReadOnlySequence<byte> source) => new(source.ToArray());

    public void Serialize(OutputCachePayload value, IBufferWriter<byte> target)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(target);
        target.Write(value.Bytes);
    }
}
