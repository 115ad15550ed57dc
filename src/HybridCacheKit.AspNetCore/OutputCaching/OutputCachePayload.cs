using System.ComponentModel;

namespace HybridCacheKit.AspNetCore.OutputCaching;

/// <summary>
/// One output-cache entry as the framework serialized it. Sealed and <c>[ImmutableObject(true)]</c>, so the engine
/// keeps this very instance in L1 and an L1 hit hands out <see cref="Bytes"/> without deserializing or copying.
/// </summary>
/// <remarks>Nobody writes to <see cref="Bytes"/> once the payload exists: the framework only reads the array it gets back.</remarks>
[ImmutableObject(true)]
internal sealed class OutputCachePayload(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;
}
