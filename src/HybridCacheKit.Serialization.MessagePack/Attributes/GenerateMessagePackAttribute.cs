namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Asks the package's source generator for a formatter for this type, so it is written and read without reflection:
/// the way to use MessagePack in trimmed and native AOT apps, and the fastest way everywhere. The type does not have
/// to be partial. Types without it fall back to a reflection-based formatter where reflection is allowed.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class GenerateMessagePackAttribute : Attribute
{
}
