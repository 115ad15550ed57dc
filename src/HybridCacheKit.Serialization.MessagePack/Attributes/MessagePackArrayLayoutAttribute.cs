namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Writes the type as a MessagePack array of its member values in <see cref="MessagePackKeyAttribute"/> order,
/// instead of a map keyed by member name: smaller and faster, but readers in other languages see a list, not a
/// dictionary, and reordering keys breaks old payloads. Only members with <see cref="MessagePackKeyAttribute"/> are
/// written; a gap in the indexes is written as nil.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class MessagePackArrayLayoutAttribute : Attribute
{
}
