namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>The map key written for a member instead of its .NET name, e.g. a snake_case name for a Python peer.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = true)]
public sealed class MessagePackPropertyNameAttribute : Attribute
{
    /// <summary>Uses <paramref name="name"/> as the member's map key.</summary>
    /// <param name="name">The key; compared byte for byte (UTF-8, case-sensitive) on read.</param>
    public MessagePackPropertyNameAttribute(string name) => Name = name;

    /// <summary>The map key.</summary>
    public string Name { get; }
}
