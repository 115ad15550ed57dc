namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>The type code and data length of an extension value.</summary>
/// <param name="TypeCode">The extension type: 0 to 127 for applications, -1 for the timestamp, other negatives reserved.</param>
/// <param name="Length">The number of data bytes that follow the header.</param>
public readonly record struct MessagePackExtensionHeader(sbyte TypeCode, int Length);
