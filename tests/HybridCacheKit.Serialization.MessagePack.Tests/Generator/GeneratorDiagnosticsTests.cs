using System.Collections.Immutable;
using HybridCacheKit.Serialization.MessagePack.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Generator;

/// <summary>Runs the generator in memory on small sources: what it emits compiles, and what it cannot handle is an error.</summary>
public sealed class GeneratorDiagnosticsTests
{
    [Fact]
    public void Run_SupportedTypes_CompilingOutputWithRegistration()
    {
        var (diagnostics, generated, compilation) = Run("""
            using System.Collections.Generic;
            using HybridCacheKit.Serialization.MessagePack;
            namespace Demo;
            [GenerateMessagePack] public sealed record Item(string Name, decimal Price, List<Tag>? Tags);
            [GenerateMessagePack] public struct Tag { public string Value; public int? Weight { get; init; } }
            public sealed class Outer { [GenerateMessagePack] public sealed class Inner { public Dictionary<string, Item[]> Map { get; set; } = new(); } }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(generated, s => s.Contains("ModuleInitializer", StringComparison.Ordinal) && s.Contains("RegisterGenerated<global::Demo.Outer.Inner>", StringComparison.Ordinal));
        Assert.DoesNotContain(generated, s => s.Contains("System.Reflection", StringComparison.Ordinal));
        Assert.Equal(4, generated.Length);
    }

    [Fact]
    public void Run_ConstructorDefaultsOfEveryLiteralKind_CompilingOutput()
    {
        var (diagnostics, generated, compilation) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            namespace Demo;
            public enum E : short { A = 1 }
            [GenerateMessagePack] public sealed record Defaults(
                float F = float.MaxValue, double D = -double.Epsilon, decimal M = decimal.MinValue, sbyte S = -128, short Sh = short.MinValue,
                int I = int.MinValue, long L = long.MinValue, E En = (E)(-3), E? NullableEnum = E.A, double Inf = double.NegativeInfinity,
                float Nan = float.NaN, string? N = null, uint U = uint.MaxValue, byte B = 255, char C = '\0', char Q = '\'', string T = "tab\t\"\\",
                System.DateTime When = default, int? Maybe = null, bool No = false);
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var formatter = Assert.Single(generated, s => s.Contains("class Demo_Defaults_MessagePackFormatter", StringComparison.Ordinal));
        Assert.Contains("(decimal)(-79228162514264337593543950335M)", formatter, StringComparison.Ordinal);
        Assert.Contains("(global::Demo.E)(-3)", formatter, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_KeywordNamedMembersAndTypes_CompilingOutput()
    {
        // Before: "value.class" and "{ int = v0 }" were emitted, which do not compile.
        var (diagnostics, generated, compilation) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            namespace Demo.@event;
            [GenerateMessagePack] public sealed class @class { public int @int { get; set; } public string @return = ""; public required string @namespace { get; init; } public @class? @this { get; set; } }
            [GenerateMessagePack] public sealed record Rec(int @default, string @for, int @value);
            [GenerateMessagePack, MessagePackArrayLayout] public sealed class Arr { [MessagePackKey(0)] public int @if { get; init; } [MessagePackKey(1)] public long @readonly { get; set; } }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(generated, s => s.Contains("value.@int", StringComparison.Ordinal) && s.Contains("@namespace = v", StringComparison.Ordinal));
        Assert.Equal(4, generated.Length);
    }

    [Fact]
    public void Run_TypesWhoseNamesDifferOnlyInDotsAndUnderscores_EachGetsAFormatter()
    {
        // A.B_C and A_B.C both became A_B_C_MessagePackFormatter, and one of them was silently dropped.
        var (diagnostics, generated, compilation) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            namespace A { [GenerateMessagePack] public sealed class B_C { public int X { get; set; } } }
            namespace A_B { [GenerateMessagePack] public sealed class C { public string Y { get; set; } = ""; } }
            namespace A { public sealed class B { [GenerateMessagePack] public sealed class C { public long Z { get; set; } } } }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(4, generated.Length);
        var registration = Assert.Single(generated, s => s.Contains("ModuleInitializer", StringComparison.Ordinal));
        Assert.Contains("RegisterGenerated<global::A.B_C>", registration, StringComparison.Ordinal);
        Assert.Contains("RegisterGenerated<global::A_B.C>", registration, StringComparison.Ordinal);
        Assert.Contains("RegisterGenerated<global::A.B.C>", registration, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MemberOfUnsupportedType_ReportsHckmp001()
    {
        var (diagnostics, generated, _) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            [GenerateMessagePack] public sealed class Holder { public object? Anything { get; set; } public Plain? NotMarked { get; set; } }
            public sealed class Plain { public int X { get; set; } }
            """);

        Assert.Equal(["HCKMP001", "HCKMP001"], diagnostics.Select(d => d.Id));
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Contains("NotMarked", diagnostics[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(generated);
    }

    [Fact]
    public void Run_UnmarkedGenericInTheAssemblyFormOrConstructorlessType_ReportsHckmp002()
    {
        var (diagnostics, _, _) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            [assembly: GenerateMessagePack(typeof(System.Collections.Generic.KeyValuePair<int, int>))]
            [GenerateMessagePack] public sealed class NoCtor { public NoCtor(int unrelated) { } public int X { get; set; } }
            """);

        Assert.Equal(["HCKMP002", "HCKMP002"], diagnostics.Select(d => d.Id).Order());
    }

    [Fact]
    public void Run_MembersOfCollectionsAndLibraryTypesWithoutAFormatter_ReportsHckmp001()
    {
        var (diagnostics, generated, _) = Run("""
            using System.Collections.Generic;
            using System.Collections.Immutable;
            using HybridCacheKit.Serialization.MessagePack;
            [GenerateMessagePack] public sealed class Holder
            {
                public LinkedList<int>? Linked { get; set; }
                public ImmutableArray<int> Immutable { get; set; }
                public Queue<string>? Queue { get; set; }
                public IntList? Derived { get; set; }
                public System.TimeOnly At { get; set; }
            }
            public sealed class IntList : List<int>;
            """);

        Assert.Equal(["HCKMP001", "HCKMP001", "HCKMP001", "HCKMP001", "HCKMP001"], diagnostics.Select(d => d.Id));
        Assert.Empty(generated);
    }

    [Fact]
    public void Run_MarkedCollectionOrTypeWithNothingToWrite_ReportsHckmp002()
    {
        // Before: a marked List<int> subclass got a formatter that wrote only Capacity, and read back empty.
        var (diagnostics, generated, _) = Run("""
            using System.Collections.Generic;
            using HybridCacheKit.Serialization.MessagePack;
            [GenerateMessagePack] public sealed class IntList : List<int>;
            [GenerateMessagePack] public sealed class Lookup : Dictionary<string, int>;
            [GenerateMessagePack] public sealed class Empty;
            [GenerateMessagePack] public sealed class Computed { public int Twice => 2; }
            """);

        Assert.Equal(["HCKMP002", "HCKMP002", "HCKMP002", "HCKMP002"], diagnostics.Select(d => d.Id));
        Assert.Contains(diagnostics, d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("IEnumerable", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("empty map", StringComparison.Ordinal));
        Assert.Empty(generated);
    }

    [Fact]
    public void Run_MemberOfAClosedGenericTypeTheAssemblyDoesNotName_ReportsHckmp001()
    {
        var (diagnostics, _, _) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            namespace Demo;
            [GenerateMessagePack] public sealed class Box<T> { public T? Value { get; set; } }
            [GenerateMessagePack] public sealed class Holder { public Box<long>? Longs { get; set; } }
            """);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("HCKMP001", diagnostic.Id);
        Assert.Contains("[assembly: GenerateMessagePack(typeof(...))]", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MarkedGenericDefinition_FormattersOnlyForTheClosedTypesTheAssemblyNames()
    {
        var (diagnostics, generated, compilation) = Run("""
            using System.Collections.Generic;
            using HybridCacheKit.Serialization.MessagePack;
            [assembly: GenerateMessagePack(typeof(Demo.Box<int>))]
            [assembly: GenerateMessagePack(typeof(Demo.Box<Demo.Item>))]
            namespace Demo;
            [GenerateMessagePack] public sealed class Box<T> { public T? Value { get; set; } public List<T> All { get; set; } = new(); }
            [GenerateMessagePack] public sealed record Item(string Name, Box<int> Counts);
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(generated, s => s.Contains("RegisterGenerated<global::Demo.Box<int>>", StringComparison.Ordinal));
        Assert.Contains(generated, s => s.Contains("RegisterGenerated<global::Demo.Box<global::Demo.Item>>", StringComparison.Ordinal));
        Assert.DoesNotContain(generated, s => s.Contains("Box<T>", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_GetOnlyCollections_CompilingOutputThatFillsThemThroughTheGetter()
    {
        var (diagnostics, generated, compilation) = Run("""
            using System.Collections.Generic;
            using HybridCacheKit.Serialization.MessagePack;
            namespace Demo;
            [GenerateMessagePack] public sealed class Order
            {
                public int Id { get; set; }
                public List<Line> Lines { get; } = new();
                public Dictionary<string, string> Meta { get; } = new();
                public HashSet<int> Set { get; } = new();
                public ICollection<long> Collection { get; } = new List<long>();
                public IList<string> @class { get; } = new List<string>();
                [MessagePackPropertyName("ext")] public IDictionary<int, Line> Extra { get; } = new Dictionary<int, Line>();
                public int[] Array { get; } = new int[0];
                public IEnumerable<int> Sequence { get; } = new List<int>();
                public IReadOnlyList<int> ReadOnly { get; } = new List<int>();
            }
            [GenerateMessagePack] public struct Line { public Line() { } public List<string> Notes { get; } = new(); }
            """);

        Assert.Empty(diagnostics);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var order = Assert.Single(generated, s => s.Contains("class Demo_Order_MessagePackFormatter", StringComparison.Ordinal));
        Assert.Contains("MessagePackFormatters.PopulateCollection(result.Lines, v1, typeof(global::Demo.Order), \"Lines\");", order, StringComparison.Ordinal);
        Assert.Contains("MessagePackFormatters.PopulateDictionary(result.Meta, v2, typeof(global::Demo.Order), \"Meta\");", order, StringComparison.Ordinal);
        Assert.Contains("MessagePackFormatters.PopulateCollection(result.@class, v5, typeof(global::Demo.Order), \"class\");", order, StringComparison.Ordinal);
        Assert.Contains("writer.WriteMapHeader(7);", order, StringComparison.Ordinal);
        Assert.DoesNotContain("value.Array", order, StringComparison.Ordinal);
        Assert.DoesNotContain("value.Sequence", order, StringComparison.Ordinal);
        Assert.DoesNotContain("value.ReadOnly", order, StringComparison.Ordinal);
        Assert.Contains(generated, s => s.Contains("PopulateCollection(result.Notes", StringComparison.Ordinal));
        Assert.DoesNotContain(generated, s => s.Contains("System.Reflection", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_GetOnlyCollectionOfUnsupportedElement_ReportsHckmp001()
    {
        // Before: get-only members were skipped, so these compiled to a formatter that lost them.
        var (diagnostics, generated, _) = Run("""
            using System.Collections.Generic;
            using HybridCacheKit.Serialization.MessagePack;
            [GenerateMessagePack] public sealed class Holder
            {
                public int Id { get; set; }
                public List<object> Anything { get; } = new();
                public Dictionary<string, Plain> NotMarked { get; } = new();
                [MessagePackIgnore] public List<Queue<int>> Ignored { get; } = new();
            }
            public sealed class Plain { public int X { get; set; } }
            """);

        Assert.Equal(["HCKMP001", "HCKMP001"], diagnostics.Select(d => d.Id));
        Assert.Contains("Anything", diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("NotMarked", diagnostics[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(generated);
    }

    [Fact]
    public void Run_OnlyGetOnlyMembersThatCannotBeFilled_ReportsHckmp002()
    {
        var (diagnostics, _, _) = Run("""
            using System.Collections.Generic;
            using HybridCacheKit.Serialization.MessagePack;
            [GenerateMessagePack] public sealed class Unfillable
            {
                public int[] Array { get; } = new int[0];
                public IEnumerable<int> Sequence { get; } = new List<int>();
                public IReadOnlyCollection<int> ReadOnly { get; } = new List<int>();
                public IReadOnlyDictionary<string, int> Map { get; } = new Dictionary<string, int>();
                public int Count => 0;
            }
            """);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("HCKMP002", diagnostic.Id);
        Assert.Contains("get-only collection", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DuplicateKeys_ReportsHckmp003()
    {
        var (diagnostics, _, _) = Run("""
            using HybridCacheKit.Serialization.MessagePack;
            [GenerateMessagePack] public sealed class Named { [MessagePackPropertyName("x")] public int A { get; set; } [MessagePackPropertyName("x")] public int B { get; set; } }
            [GenerateMessagePack, MessagePackArrayLayout] public sealed class Indexed { [MessagePackKey(1)] public int A { get; set; } [MessagePackKey(1)] public int B { get; set; } }
            """);

        Assert.Equal(["HCKMP003", "HCKMP003"], diagnostics.Select(d => d.Id));
    }

    private static (ImmutableArray<Diagnostic> Diagnostics, string[] Generated, Compilation Output) Run(string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(GenerateMessagePackAttribute).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "GeneratorInput",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(new MessagePackGenerator());
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var generated = driver.GetRunResult().GeneratedTrees.Select(t => t.ToString()).ToArray();
        return (diagnostics, generated, output);
    }
}
