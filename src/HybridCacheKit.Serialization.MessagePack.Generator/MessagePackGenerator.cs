using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace HybridCacheKit.Serialization.MessagePack.Generator;

/// <summary>
/// Emits an <c>IMessagePackFormatter&lt;T&gt;</c> for every type marked <c>[GenerateMessagePack]</c>, and a module
/// initializer that registers them, so those types are serialized without reflection (trim- and AOT-safe).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class MessagePackGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Marked types; a marked generic definition only marks (its closed types come from the assembly form below).
        var marked = context.SyntaxProvider.ForAttributeWithMetadataName(
            ModelBuilder.GenerateAttribute,
            static (node, _) => node is TypeDeclarationSyntax,
            static (attributeContext, _) => ((INamedTypeSymbol)attributeContext.TargetSymbol).IsGenericType
                ? null
                : ModelBuilder.Build((INamedTypeSymbol)attributeContext.TargetSymbol, attributeContext.SemanticModel.Compilation.Assembly))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!);

        // [assembly: GenerateMessagePack(typeof(Page<Customer>))]: closed types of marked generic definitions.
        var requested = context.CompilationProvider
            .SelectMany(static (compilation, _) => ModelBuilder.BuildAssemblyRequests(compilation.Assembly).ToImmutableArray());

        // Formatter names are one-to-one with types (ModelBuilder.FormatterName), so grouping by them only merges a
        // closed type the assembly form names twice.
        var models = marked.Collect().Combine(requested.Collect())
            .SelectMany(static (pair, _) => pair.Left.AddRange(pair.Right)
                .GroupBy(m => m.FormatterName, System.StringComparer.Ordinal)
                .Select(g => g.First())
                .ToImmutableArray());

        context.RegisterSourceOutput(models, static (output, model) =>
        {
            foreach (var diagnostic in model.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            if (model.Diagnostics.Length == 0)
            {
                output.AddSource(model.FormatterName + ".g.cs", FormatterEmitter.Emit(model));
            }
        });

        context.RegisterSourceOutput(models.Collect(), static (output, all) =>
        {
            var valid = all.Where(m => m.Diagnostics.Length == 0).OrderBy(m => m.FormatterName, System.StringComparer.Ordinal).ToImmutableArray();
            if (valid.Length > 0)
            {
                output.AddSource("GeneratedMessagePackRegistration.g.cs", FormatterEmitter.EmitRegistration(valid));
            }
        });
    }
}
