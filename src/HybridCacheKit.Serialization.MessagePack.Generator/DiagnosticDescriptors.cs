using System;
using Microsoft.CodeAnalysis;

namespace HybridCacheKit.Serialization.MessagePack.Generator;

internal static class DiagnosticDescriptors
{
    private const string Category = "HybridCacheKit.MessagePack";

    public static readonly DiagnosticDescriptor UnsupportedMemberType = new(
        "HCKMP001",
        "Member type has no generated formatter",
        "Member '{0}' of '{1}' has type '{2}', which the MessagePack generator cannot format: mark that type [GenerateMessagePack] (a closed generic type: name it with [assembly: GenerateMessagePack(typeof(...))]), use a supported type, or add [MessagePackIgnore]",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedType = new(
        "HCKMP002",
        "Type cannot have a generated formatter",
        "'{0}' cannot have a generated MessagePack formatter: {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateKey = new(
        "HCKMP003",
        "Duplicate MessagePack key",
        "'{0}' has more than one member with the MessagePack key {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "HCKMP001" => UnsupportedMemberType,
        "HCKMP002" => UnsupportedType,
        "HCKMP003" => DuplicateKey,
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };
}
