using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HybridCacheKit.Serialization.MessagePack.Generator;

/// <summary>
/// Turns a type symbol into a <see cref="TypeModel"/> with the same rules as the runtime's reflection contract
/// (Reflection/ObjectContract.cs): both must pick the same members, in the same order, and the same constructor,
/// so generated and reflection-based formatters write identical bytes.
/// </summary>
internal static class ModelBuilder
{
    public const string Namespace = "HybridCacheKit.Serialization.MessagePack";
    public const string GenerateAttribute = Namespace + ".GenerateMessagePackAttribute";
    private const string ArrayLayoutAttribute = Namespace + ".MessagePackArrayLayoutAttribute";
    private const string KeyAttribute = Namespace + ".MessagePackKeyAttribute";
    private const string NameAttribute = Namespace + ".MessagePackPropertyNameAttribute";
    private const string IgnoreAttribute = Namespace + ".MessagePackIgnoreAttribute";
    private const string Formatters = "global::" + Namespace + ".MessagePackFormatters";

    public static TypeModel Build(INamedTypeSymbol type, IAssemblySymbol assembly)
    {
        var fullName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var diagnostics = new List<DiagnosticModel>();
        var formatterName = FormatterName(type);

        var problem = TypeProblem(type);
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticModel.Create(DiagnosticDescriptors.UnsupportedType, type, fullName, problem));
            return Empty(fullName, formatterName, type, diagnostics);
        }

        var candidates = new List<(ISymbol Symbol, ITypeSymbol Type, bool Writable, bool AlwaysAssign, string? Populate)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var chain = Hierarchy(type).ToArray();
        for (var level = 0; level < chain.Length; level++)
        {
            var members = chain[level].GetMembers();
            var hidden = HiddenBelow(chain, level);
            foreach (var property in members.OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || property.DeclaredAccessibility != Accessibility.Public
                    || property.GetMethod is not { DeclaredAccessibility: Accessibility.Public } || Has(property, IgnoreAttribute)
                    || hidden.Contains(property.Name) || !names.Add(property.Name))
                {
                    continue;
                }

                var setter = property.SetMethod is { DeclaredAccessibility: Accessibility.Public } set ? set : null;
                candidates.Add((property, property.Type, setter is not null, (setter?.IsInitOnly ?? false) || property.IsRequired, setter is null ? PopulateMethod(property.Type) : null));
            }

            foreach (var field in members.OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst || field.DeclaredAccessibility != Accessibility.Public || field.IsImplicitlyDeclared
                    || Has(field, IgnoreAttribute) || hidden.Contains(field.Name) || !names.Add(field.Name))
                {
                    continue;
                }

                candidates.Add((field, field.Type, !field.IsReadOnly, field.IsRequired, null));
            }
        }

        var constructor = ChooseConstructor(type, candidates.Select(c => (c.Symbol.Name, c.Type)).ToList(), out var hasConstructor);
        if (!hasConstructor)
        {
            diagnostics.Add(DiagnosticModel.Create(DiagnosticDescriptors.UnsupportedType, type, fullName,
                "it has no public parameterless constructor and no public constructor whose parameters all match public properties or fields (by name, ignoring case, and type)"));
            return Empty(fullName, formatterName, type, diagnostics);
        }

        var parameters = constructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        var arrayLayout = Has(type, ArrayLayoutAttribute);
        var result = new List<MemberModel>();
        var parameterMembers = Enumerable.Repeat(-1, parameters.Length).ToArray();
        foreach (var (symbol, memberType, writable, alwaysAssign, populatable) in candidates)
        {
            var parameter = IndexOf(parameters, symbol.Name, memberType);
            var populate = parameter < 0 ? populatable : null;
            if (!writable && parameter < 0 && populate is null)
            {
                continue;
            }

            var key = Attribute(symbol, KeyAttribute) is { } keyData && keyData.ConstructorArguments.Length == 1 && keyData.ConstructorArguments[0].Value is int index ? index : -1;
            if (arrayLayout && key < 0)
            {
                continue;
            }

            var wireName = Attribute(symbol, NameAttribute) is { } nameData && nameData.ConstructorArguments.Length == 1 && nameData.ConstructorArguments[0].Value is string name ? name : symbol.Name;
            var formatter = FormatterExpression(memberType, assembly);
            if (formatter is null)
            {
                diagnostics.Add(DiagnosticModel.Create(DiagnosticDescriptors.UnsupportedMemberType, symbol, symbol.Name, fullName, memberType.ToDisplayString()));
                continue;
            }

            if (parameter >= 0)
            {
                parameterMembers[parameter] = result.Count;
            }

            result.Add(new MemberModel(symbol.Name, wireName, memberType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), formatter, key, parameter, alwaysAssign, populate));
        }

        foreach (var duplicate in arrayLayout
            ? result.GroupBy(m => m.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)).Where(g => g.Count() > 1)
            : result.GroupBy(m => m.WireName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            diagnostics.Add(DiagnosticModel.Create(DiagnosticDescriptors.DuplicateKey, type, fullName, duplicate.Key));
        }

        if (arrayLayout && result.Any(m => m.Key > 255))
        {
            diagnostics.Add(DiagnosticModel.Create(DiagnosticDescriptors.UnsupportedType, type, fullName, "a [MessagePackKey] index is above 255"));
        }

        if (result.Count == 0 && diagnostics.Count == 0)
        {
            diagnostics.Add(DiagnosticModel.Create(DiagnosticDescriptors.UnsupportedType, type, fullName,
                "it has no public member that can be written and read back (a settable property or field, one matched by a constructor parameter, or a get-only collection property), so it would be written as an empty map"));
        }

        var parameterModels = parameters.Select((p, i) => new ParameterModel(p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), parameterMembers[i], DefaultExpression(p))).ToImmutableArray();
        return new TypeModel(fullName, formatterName, type.IsValueType, arrayLayout,
            new EquatableArray<MemberModel>(result.ToImmutableArray()),
            new EquatableArray<ParameterModel>(parameterModels),
            new EquatableArray<DiagnosticModel>(diagnostics.ToImmutableArray()));
    }

    /// <summary>
    /// The <c>MessagePackFormatters</c> method that fills a get-only property of <paramref name="type"/> on read, or null
    /// when such a property cannot be read back. The same shapes as the runtime's CollectionShapes.TryGetPopulatorDefinition:
    /// arrays have a fixed length, and IEnumerable&lt;T&gt; and the IReadOnly* interfaces no Add.
    /// </summary>
    private static string? PopulateMethod(ITypeSymbol type)
        => type is INamedTypeSymbol { IsGenericType: true } named
            ? named.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) switch
            {
                "global::System.Collections.Generic.List<T>" or "global::System.Collections.Generic.HashSet<T>"
                    or "global::System.Collections.Generic.ICollection<T>" or "global::System.Collections.Generic.IList<T>" => "PopulateCollection",
                "global::System.Collections.Generic.Dictionary<TKey, TValue>" or "global::System.Collections.Generic.IDictionary<TKey, TValue>" => "PopulateDictionary",
                _ => null,
            }
            : null;

    /// <summary>The C# expression of the formatter of <paramref name="type"/>, or null when there is none.</summary>
    private static string? FormatterExpression(ITypeSymbol type, IAssemblySymbol assembly)
    {
        var name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return Formatters + ".Boolean";
            case SpecialType.System_Byte: return Formatters + ".Byte";
            case SpecialType.System_SByte: return Formatters + ".SByte";
            case SpecialType.System_Int16: return Formatters + ".Int16";
            case SpecialType.System_UInt16: return Formatters + ".UInt16";
            case SpecialType.System_Int32: return Formatters + ".Int32";
            case SpecialType.System_UInt32: return Formatters + ".UInt32";
            case SpecialType.System_Int64: return Formatters + ".Int64";
            case SpecialType.System_UInt64: return Formatters + ".UInt64";
            case SpecialType.System_Single: return Formatters + ".Single";
            case SpecialType.System_Double: return Formatters + ".Double";
            case SpecialType.System_Char: return Formatters + ".Char";
            case SpecialType.System_String: return Formatters + ".String";
            case SpecialType.System_Decimal: return Formatters + ".Decimal";
            case SpecialType.System_DateTime: return Formatters + ".DateTime";
        }

        switch (name)
        {
            case "global::System.Guid": return Formatters + ".Guid";
            case "global::System.DateTimeOffset": return Formatters + ".DateTimeOffset";
            case "global::System.TimeSpan": return Formatters + ".TimeSpan";
            case "global::System.Int128": return Formatters + ".Int128";
            case "global::System.UInt128": return Formatters + ".UInt128";
            case "global::System.Half": return Formatters + ".Half";
            case "global::System.Numerics.BigInteger": return Formatters + ".BigInteger";
        }

        if (type is IArrayTypeSymbol array)
        {
            if (!array.IsSZArray)
            {
                return null;
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                return Formatters + ".Binary";
            }

            return Wrap("Array", array.ElementType);
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return Formatters + ".Enum<" + name + ">()";
        }

        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Wrap("Nullable", named.TypeArguments[0]);
        }

        if (named.IsGenericType)
        {
            var definition = named.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            var method = definition switch
            {
                "global::System.Collections.Generic.List<T>" => "List",
                "global::System.Collections.Generic.HashSet<T>" => "HashSet",
                "global::System.Collections.Generic.IEnumerable<T>" => "Enumerable",
                "global::System.Collections.Generic.ICollection<T>" => "Collection",
                "global::System.Collections.Generic.IList<T>" => "ListInterface",
                "global::System.Collections.Generic.IReadOnlyCollection<T>" => "ReadOnlyCollection",
                "global::System.Collections.Generic.IReadOnlyList<T>" => "ReadOnlyList",
                "global::System.Collections.Generic.Dictionary<TKey, TValue>" => "Dictionary",
                "global::System.Collections.Generic.IDictionary<TKey, TValue>" => "DictionaryInterface",
                "global::System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" => "ReadOnlyDictionary",
                _ => null,
            };
            if (method is not null)
            {
                return named.TypeArguments.Length == 1 ? Wrap(method, named.TypeArguments[0]) : Wrap(method, named.TypeArguments[0], named.TypeArguments[1]);
            }
        }

        if (named.IsGenericType && IsClosedGeneric(named) && Has(named.OriginalDefinition, GenerateAttribute))
        {
            // Registered by the assembly that names this closed type ([assembly: GenerateMessagePack(typeof(...))]). In
            // this assembly that must be this one, so a closed type it forgot to name is a build error, not a run-time one.
            return SymbolEqualityComparer.Default.Equals(named.OriginalDefinition.ContainingAssembly, assembly) && !IsRequested(assembly, named)
                ? null
                : Formatters + ".Generated<" + name + ">()";
        }

        if (Has(named, GenerateAttribute) && !named.IsGenericType)
        {
            return SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, assembly)
                ? "global::" + Namespace + ".Generated." + FormatterName(named) + ".Instance"
                : Formatters + ".Generated<" + name + ">()";
        }

        return null;

        string? Wrap(string method, params ITypeSymbol[] arguments)
        {
            var inner = new string?[arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                inner[i] = FormatterExpression(arguments[i], assembly);
                if (inner[i] is null)
                {
                    return null;
                }
            }

            var typeArguments = string.Join(", ", arguments.Select(a => a.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
            return Formatters + "." + method + "<" + typeArguments + ">(" + string.Join(", ", inner) + ")";
        }
    }

    private static string? TypeProblem(INamedTypeSymbol type)
    {
        if (type.IsGenericType && !IsClosedGeneric(type))
        {
            return "a generic type definition gets formatters only for the closed types named with [assembly: GenerateMessagePack(typeof(...))]";
        }

        if (type.IsAbstract || type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return "only non-abstract classes, records and structs are supported";
        }

        if (type.IsRefLikeType)
        {
            return "ref structs cannot be cached";
        }

        if (type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable))
        {
            return "it is a collection (it implements IEnumerable), and mapped by its members it would lose its elements; cache a List<T>, an array or a dictionary of a marked type, or a marked type holding one";
        }

        for (ISymbol? current = type; current is INamedTypeSymbol named; current = current.ContainingType)
        {
            if (named.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return "it must be public or internal (and so must the types it is nested in)";
            }
        }

        return null;
    }

    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<(string Name, ITypeSymbol Type)> members, out bool found)
    {
        IMethodSymbol? best = null;
        var hasParameterless = type.IsValueType;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            if (constructor.Parameters.Length == 0)
            {
                hasParameterless = true;
                continue;
            }

            if (constructor.Parameters.All(p => members.Exists(m => Matches(p, m.Name, m.Type)))
                && constructor.Parameters.Length > (best?.Parameters.Length ?? 0))
            {
                best = constructor;
            }
        }

        found = best is not null || hasParameterless;
        return best;
    }

    /// <summary>
    /// The C# expression of <paramref name="parameter"/>'s default value, cast to its type, or null when it has none; the
    /// reflection path reads the same value from ParameterInfo.DefaultValue.
    /// </summary>
    private static string? DefaultExpression(IParameterSymbol parameter)
    {
        if (!parameter.HasExplicitDefaultValue)
        {
            return null;
        }

        var invariant = CultureInfo.InvariantCulture;
        var literal = parameter.ExplicitDefaultValue switch
        {
            null => "default",
            bool b => b ? "true" : "false",
            string text => SymbolDisplay.FormatLiteral(text, quote: true),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            float f when float.IsNaN(f) => "float.NaN",
            float f when float.IsInfinity(f) => f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity",
            float f => f.ToString("R", invariant) + "F",
            double d when double.IsNaN(d) => "double.NaN",
            double d when double.IsInfinity(d) => d > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity",
            double d => d.ToString("R", invariant) + "D",
            decimal m => m.ToString(invariant) + "M",

            // Integers, and an enum's underlying value.
            var value => Convert.ToString(value, invariant),
        };
        return "(" + parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ")(" + literal + ")";
    }

    private static int IndexOf(ImmutableArray<IParameterSymbol> parameters, string name, ITypeSymbol type)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            if (Matches(parameters[i], name, type))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Matches(IParameterSymbol parameter, string name, ITypeSymbol type)
        => SymbolEqualityComparer.Default.Equals(parameter.Type, type) && string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The names a type below <paramref name="chain"/>[<paramref name="level"/>] declares again as public members of its
    /// own (<c>new</c>, not <c>override</c>): the generated <c>value.Name</c> binds to the derived member, so the base
    /// member is skipped. Decided as the runtime path decides (ObjectContract.HiddenBelow), so both write the same bytes.
    /// </summary>
    private static HashSet<string> HiddenBelow(INamedTypeSymbol[] chain, int level)
    {
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        for (var below = level + 1; below < chain.Length; below++)
        {
            foreach (var member in chain[below].GetMembers())
            {
                if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public || member.IsImplicitlyDeclared)
                {
                    continue;
                }

                if (member is IPropertySymbol { IsIndexer: false, IsOverride: false } or IFieldSymbol { IsConst: false })
                {
                    hidden.Add(member.Name);
                }
            }
        }

        return hidden;
    }

    private static Stack<INamedTypeSymbol> Hierarchy(INamedTypeSymbol type)
    {
        var chain = new Stack<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            chain.Push(current);
        }

        return chain;
    }

    private static bool Has(ISymbol symbol, string attribute) => Attribute(symbol, attribute) is not null;

    private static AttributeData? Attribute(ISymbol symbol, string attribute)
    {
        foreach (var data in symbol.GetAttributes())
        {
            if (data.AttributeClass?.ToDisplayString() == attribute)
            {
                return data;
            }
        }

        return null;
    }

    private static bool IsRequested(IAssemblySymbol assembly, INamedTypeSymbol closed)
        => assembly.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == GenerateAttribute
            && a.ConstructorArguments.Length == 1
            && a.ConstructorArguments[0].Value is INamedTypeSymbol requested
            && SymbolEqualityComparer.Default.Equals(requested, closed));

    /// <summary>A constructed generic type with no open type parameter anywhere in it (<c>Page&lt;Customer&gt;</c>).</summary>
    public static bool IsClosedGeneric(INamedTypeSymbol type)
        => type.IsGenericType && !type.IsUnboundGenericType && !SymbolEqualityComparer.Default.Equals(type, type.OriginalDefinition)
           && type.TypeArguments.All(IsClosed);

    private static bool IsClosed(ITypeSymbol type) => type switch
    {
        ITypeParameterSymbol => false,
        IArrayTypeSymbol array => IsClosed(array.ElementType),
        INamedTypeSymbol named => named.TypeArguments.All(IsClosed),
        _ => true,
    };

    /// <summary>
    /// The models of the closed generic types the assembly names with <c>[assembly: GenerateMessagePack(typeof(...))]</c>;
    /// a type that is not a closed generic type of a marked definition is reported (HCKMP002).
    /// </summary>
    public static IEnumerable<TypeModel> BuildAssemblyRequests(IAssemblySymbol assembly)
    {
        foreach (var data in assembly.GetAttributes())
        {
            if (data.AttributeClass?.ToDisplayString() != GenerateAttribute || data.ConstructorArguments.Length != 1)
            {
                continue;
            }

            if (data.ConstructorArguments[0].Value is not INamedTypeSymbol requested)
            {
                continue;
            }

            if (!IsClosedGeneric(requested) || !Has(requested.OriginalDefinition, GenerateAttribute))
            {
                var name = requested.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                var diagnostics = new List<DiagnosticModel>
                {
                    DiagnosticModel.Create(DiagnosticDescriptors.UnsupportedType, requested, name,
                        "the assembly form names closed generic types whose definition is marked [GenerateMessagePack]; mark other types themselves"),
                };
                yield return Empty(name, FormatterName(requested), requested, diagnostics);
                continue;
            }

            yield return Build(requested, assembly);
        }
    }

    private static TypeModel Empty(string fullName, string formatterName, INamedTypeSymbol type, List<DiagnosticModel> diagnostics)
        => new(fullName, formatterName, type.IsValueType, false, default, default, new EquatableArray<DiagnosticModel>(diagnostics.ToImmutableArray()));

    /// <summary>
    /// The generated class name (and file name) of <paramref name="type"/>'s formatter: its full name with '.' as '_'.
    /// The mapping is one-to-one, so A.B_C and A_B.C get different names: '_' itself becomes "_0", other punctuation
    /// "_" and a digit, and a name segment after '.' never starts with a digit.
    /// </summary>
    private static string FormatterName(INamedTypeSymbol type)
    {
        var builder = new StringBuilder();
        foreach (var c in type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty))
        {
            switch (c)
            {
                case '.': builder.Append('_'); break;
                case '_': builder.Append("_0"); break;
                case '<': builder.Append("_1"); break;
                case '>': builder.Append("_2"); break;
                case ',': builder.Append("_3"); break;
                case '?': builder.Append("_4"); break;
                case '[': builder.Append("_5"); break;
                case ']': builder.Append("_6"); break;
                case ' ': break;
                default:
                    if (char.IsLetterOrDigit(c))
                    {
                        builder.Append(c);
                    }
                    else
                    {
                        builder.Append("_9").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        return builder.Append("_MessagePackFormatter").ToString();
    }
}
