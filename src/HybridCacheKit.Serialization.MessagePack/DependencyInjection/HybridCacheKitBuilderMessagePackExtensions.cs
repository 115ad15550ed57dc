using HybridCacheKit;
using HybridCacheKit.Serialization.MessagePack;
using Microsoft.Extensions.Caching.Hybrid;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Makes MessagePack the cache's serializer.</summary>
public static class HybridCacheKitBuilderMessagePackExtensions
{
    /// <summary>
    /// Serializes cached values as MessagePack, ahead of System.Text.Json and of factories added earlier (a factory
    /// added later is asked first). <see cref="string"/> and <see cref="byte"/>[] keep the cache's built-ins (raw UTF-8,
    /// raw bytes) unless <see cref="MessagePackSerializerOptions.EncodeStringAndByteArrayValues"/> is set, and a type
    /// MessagePack cannot write and read back exactly falls through to the next serializer.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <param name="configure">Adjusts the limits and options; validated when this method runs.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Calling it again replaces the earlier registration (and its limits) and moves it to the front of the queue.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A limit set in <paramref name="configure"/> is out of range; the message names it.</exception>
    public static IHybridCacheKitBuilder AddMessagePackSerializer(this IHybridCacheKitBuilder builder, Action<MessagePackSerializerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new MessagePackSerializerOptions();
        configure?.Invoke(options);
        var factory = new MessagePackHybridCacheSerializerFactory(options);

        var services = builder.Services;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IHybridCacheSerializerFactory) && !descriptor.IsKeyedService
                && descriptor.ImplementationInstance is MessagePackHybridCacheSerializerFactory)
            {
                services.RemoveAt(i);
            }
        }

        services.AddSingleton<IHybridCacheSerializerFactory>(factory);
        return builder;
    }
}
