using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using HybridCacheKit;
using HybridCacheKit.Serialization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Chooses how cached values are turned into bytes. For each type the cache uses, in this order: a serializer added
/// for that type, then the serializer factories (the one added last is asked first), then the built-ins: UTF-8 for
/// <see cref="string"/>, the raw bytes for <see cref="byte"/>[], and System.Text.Json for everything else.
/// </summary>
public static class HybridCacheKitBuilderSerializerExtensions
{
    /// <summary>Uses <paramref name="serializer"/> for values of type <typeparamref name="T"/>, ahead of every factory and built-in.</summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <param name="serializer">The serializer.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Calling this again for the same type replaces the earlier serializer.</remarks>
    public static IHybridCacheKitBuilder AddSerializer<T>(this IHybridCacheKitBuilder builder, IHybridCacheSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serializer);
        builder.Services.RemoveAll<IHybridCacheSerializer<T>>();
        builder.Services.AddSingleton(serializer);
        return builder;
    }

    /// <summary>
    /// Uses a <typeparamref name="TImplementation"/>, created once by the service provider (so it can take constructor
    /// dependencies), for values of type <typeparamref name="T"/>, ahead of every factory and built-in.
    /// </summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <typeparam name="TImplementation">The serializer class.</typeparam>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Calling this again for the same type replaces the earlier serializer.</remarks>
    public static IHybridCacheKitBuilder AddSerializer<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(this IHybridCacheKitBuilder builder)
        where TImplementation : class, IHybridCacheSerializer<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IHybridCacheSerializer<T>>();
        builder.Services.AddSingleton<IHybridCacheSerializer<T>, TImplementation>();
        return builder;
    }

    /// <summary>
    /// Adds a factory that is asked for a serializer for each type that has no type-specific one. Factories added later
    /// are asked first; the built-in serializers are used only when every factory declines.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <param name="factory">The factory.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Adding the same instance again does not add it twice; it moves it to the front of the queue.</remarks>
    public static IHybridCacheKitBuilder AddSerializerFactory(this IHybridCacheKitBuilder builder, IHybridCacheSerializerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        RemoveFactories(builder.Services, descriptor => ReferenceEquals(descriptor.ImplementationInstance, factory));
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>
    /// Adds a <typeparamref name="TFactory"/>, created once by the service provider, that is asked for a serializer for
    /// each type that has no type-specific one. Factories added later are asked first.
    /// </summary>
    /// <typeparam name="TFactory">The factory class.</typeparam>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Adding the same factory class again does not add it twice; it moves it to the front of the queue.</remarks>
    public static IHybridCacheKitBuilder AddSerializerFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>(this IHybridCacheKitBuilder builder)
        where TFactory : class, IHybridCacheSerializerFactory
    {
        ArgumentNullException.ThrowIfNull(builder);
        RemoveFactories(builder.Services, descriptor => descriptor.ImplementationType == typeof(TFactory));
        builder.Services.AddSingleton<IHybridCacheSerializerFactory, TFactory>();
        return builder;
    }

    /// <summary>
    /// Serializes the types of a source-generated <see cref="JsonSerializerContext"/> with that context: the way to use
    /// JSON in trimmed and native AOT applications. Types the context does not include go on to the next factory or
    /// the built-ins. Several contexts can be added; the one added last is asked first.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <param name="context">The context, for example <c>MyJsonContext.Default</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Adding the same context instance again does not add it twice; it moves it to the front of the queue.</remarks>
    public static IHybridCacheKitBuilder AddJsonSerializerContext(this IHybridCacheKitBuilder builder, JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        RemoveFactories(builder.Services, descriptor =>
            descriptor.ImplementationInstance is JsonSerializerContextSerializerFactory existing && ReferenceEquals(existing.Context, context));
        builder.Services.AddSingleton<IHybridCacheSerializerFactory>(new JsonSerializerContextSerializerFactory(context));
        return builder;
    }

    /// <summary>
    /// Sets the System.Text.Json options of the built-in JSON serializer, which handles every type without a more
    /// specific serializer (see <see cref="HybridCacheKitOptions.JsonSerializerOptions"/>).
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHybridCacheKit</c>.</param>
    /// <param name="options">The options. They become read-only once the cache first uses them.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// Calling this again replaces the earlier options. Options without a <c>TypeInfoResolver</c> get the
    /// reflection-based one, unless the application has turned reflection-based JSON off (trimming, native AOT).
    /// </remarks>
    public static IHybridCacheKitBuilder WithJsonSerializerOptions(this IHybridCacheKitBuilder builder, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.Configure<HybridCacheKitOptions>(o => o.JsonSerializerOptions = options);
        return builder;
    }

    private static void RemoveFactories(IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        // Keyed descriptors throw from ImplementationInstance/ImplementationType, and are not what the cache resolves anyway.
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IHybridCacheSerializerFactory) && !descriptor.IsKeyedService && match(descriptor))
            {
                services.RemoveAt(i);
            }
        }
    }
}
