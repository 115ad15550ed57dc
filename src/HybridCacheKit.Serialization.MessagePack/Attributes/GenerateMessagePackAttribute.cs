namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>
/// Asks the package's source generator for a formatter, so the type is written and read without reflection: the way
/// to use MessagePack in trimmed and native AOT apps, and the fastest way everywhere. Types without one fall back to a
/// reflection-based formatter where reflection is allowed.
/// <list type="bullet">
/// <item>On a class, record or struct (it does not have to be partial): a formatter for that type.</item>
/// <item>On a generic type definition (<c>Page&lt;T&gt;</c>): marks it; a formatter is generated for each closed type
/// named with the assembly form.</item>
/// <item>On the assembly, with a closed type of such a generic definition
/// (<c>[assembly: GenerateMessagePack(typeof(Page&lt;Customer&gt;))]</c>): a formatter for that closed type.</item>
/// </list>
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Assembly, Inherited = false, AllowMultiple = true)]
public sealed class GenerateMessagePackAttribute : Attribute
{
    /// <summary>Marks the type the attribute is placed on.</summary>
    public GenerateMessagePackAttribute()
    {
    }

    /// <summary>On the assembly: generates a formatter for <paramref name="type"/>, a closed generic type whose definition is marked.</summary>
    /// <param name="type">The closed type, e.g. <c>typeof(Page&lt;Customer&gt;)</c>.</param>
    public GenerateMessagePackAttribute(Type type) => Type = type;

    /// <summary>The closed generic type to generate a formatter for (assembly form), or <see langword="null"/>.</summary>
    public Type? Type { get; }
}
