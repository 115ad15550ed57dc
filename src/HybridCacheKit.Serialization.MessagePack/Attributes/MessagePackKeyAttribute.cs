namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>The position of a member in a type with <see cref="MessagePackArrayLayoutAttribute"/>; ignored in the map layout.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = true)]
public sealed class MessagePackKeyAttribute : Attribute
{
    /// <summary>Places the member at <paramref name="index"/>.</summary>
    /// <param name="index">The zero-based array index; unique within the type, at most 255.</param>
    public MessagePackKeyAttribute(int index) => Index = index;

    /// <summary>The zero-based array index.</summary>
    public int Index { get; }
}
