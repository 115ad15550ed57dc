using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization;

/// <summary>
/// Finds the serializer for a type the way Microsoft's HybridCache does: an <see cref="IHybridCacheSerializer{T}"/>
/// registered for T first, then the registered <see cref="IHybridCacheSerializerFactory"/> instances (last registered
/// first), then the built-ins (string, byte[], System.Text.Json). Results are cached per type.
/// </summary>
internal sealed class SerializerRegistry
{
    public SerializerRegistry(IServiceProvider services, HybridCacheKitOptions options)
    {
        _ = services;
        _ = options;
    }

    /// <summary>Gets the serializer for <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidOperationException">No serializer can handle <typeparamref name="T"/>; the message names the type.</exception>
    public IHybridCacheSerializer<T> GetSerializer<T>() => throw new NotImplementedException();
}
