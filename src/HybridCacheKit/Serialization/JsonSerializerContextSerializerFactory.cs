using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization;

/// <summary>
/// Serializes the types of an application's source-generated <see cref="JsonSerializerContext"/>: the trim- and
/// AOT-safe way to use JSON. Declines every type the context does not know, so the next factory or the built-ins
/// handle those.
/// </summary>
internal sealed class JsonSerializerContextSerializerFactory : IHybridCacheSerializerFactory
{
    public JsonSerializerContextSerializerFactory(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
    }

    /// <summary>The application's context.</summary>
    public JsonSerializerContext Context { get; }

    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        if (Context.GetTypeInfo(typeof(T)) is JsonTypeInfo<T> typeInfo)
        {
            serializer = new JsonHybridCacheSerializer<T>(typeInfo);
            return true;
        }

        serializer = null;
        return false;
    }
}
