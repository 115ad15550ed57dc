namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>Leaves a public property or field out of the MessagePack form of its type.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = true)]
public sealed class MessagePackIgnoreAttribute : Attribute
{
}
