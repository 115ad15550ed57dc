using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace HybridCacheKit.Serialization.MessagePack.Generator;

/// <summary>Everything the emitter needs about one type, with no symbols in it (so the incremental cache works).</summary>
internal sealed record TypeModel(
    string FullName,
    string FormatterName,
    bool IsValueType,
    bool ArrayLayout,
    EquatableArray<MemberModel> Members,
    EquatableArray<ParameterModel> ConstructorParameters,
    EquatableArray<DiagnosticModel> Diagnostics);

/// <summary>
/// A serialized member. <see cref="ConstructorParameter"/> is -1 when it is set through a setter or initializer.
/// <see cref="PopulateMethod"/> is the <c>MessagePackFormatters</c> method that fills it when it is a get-only collection
/// property (read back through its getter), else null.
/// </summary>
internal sealed record MemberModel(
    string Name,
    string WireName,
    string TypeName,
    string FormatterExpression,
    int Key,
    int ConstructorParameter,
    bool AlwaysAssign,
    string? PopulateMethod) : IEquatable<MemberModel>;

/// <summary>
/// A parameter of the chosen constructor, the member that feeds it (-1 when none is serialized), and the C# expression
/// of its default value (null when it has none), passed when the payload lacks the member.
/// </summary>
internal sealed record ParameterModel(string TypeName, int Member, string? DefaultExpression);

/// <summary>A diagnostic to report, with its location kept as plain values.</summary>
internal sealed record DiagnosticModel(string Id, string Message, string? FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static DiagnosticModel Create(DiagnosticDescriptor descriptor, ISymbol symbol, params object[] arguments)
    {
        var location = symbol.Locations.Length > 0 ? symbol.Locations[0] : Location.None;
        var lineSpan = location.GetLineSpan();
        return new DiagnosticModel(descriptor.Id, string.Format(System.Globalization.CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), arguments), location.IsInSource ? lineSpan.Path : null, location.SourceSpan, lineSpan.Span);
    }

    public Diagnostic ToDiagnostic()
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        var location = FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan);
        return Diagnostic.Create(new DiagnosticDescriptor(descriptor.Id, descriptor.Title, Message, descriptor.Category, descriptor.DefaultSeverity, isEnabledByDefault: true), location);
    }
}
