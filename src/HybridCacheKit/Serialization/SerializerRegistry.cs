using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Serialization;

/// <summary>
/// Finds the serializer for a type the way Microsoft's HybridCache does: an <see cref="IHybridCacheSerializer{T}"/>
/// registered for T first, then the registered <see cref="IHybridCacheSerializerFactory"/> instances (last registered
/// first), then the built-ins (string, byte[], System.Text.Json). Results are cached per type.
/// </summary>
internal sealed class SerializerRegistry
{
    private readonly IServiceProvider _services;
    private readonly IHybridCacheSerializerFactory[] _factories;
    private readonly JsonSerializerOptions _jsonOptions;

    // Values are IHybridCacheSerializer<T> for the key's T; there is no non-generic base to type them by.
    private readonly ConcurrentDictionary<Type, object> _serializers = new();

    public SerializerRegistry(IServiceProvider services, HybridCacheKitOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        _services = services;

        // GetServices returns registration order; the most recently registered factory is asked first.
        var factories = services.GetServices<IHybridCacheSerializerFactory>().ToArray();
        Array.Reverse(factories);
        _factories = factories;
        _jsonOptions = options.JsonSerializerOptions ?? DefaultJsonOptions;
    }

    /// <summary>
    /// The options of the JSON fallback when none are configured: <see cref="JsonSerializerDefaults.General"/> plus
    /// <see cref="JsonSerializerOptions.IncludeFields"/>, because without it a value tuple or any other fields-only
    /// type would round-trip through L2 as an empty object, silently losing its data; and a <see cref="System.Numerics.BigInteger"/>
    /// converter, because System.Text.Json has none and would read every value back as 0.
    /// </summary>
    internal static JsonSerializerOptions DefaultJsonOptions { get; } = new(JsonSerializerDefaults.General) { IncludeFields = true, Converters = { new BigIntegerJsonConverter() } };

    /// <summary>Gets the serializer for <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidOperationException">No serializer can handle <typeparamref name="T"/>; the message names the type.</exception>
    public IHybridCacheSerializer<T> GetSerializer<T>()
        => _serializers.TryGetValue(typeof(T), out var serializer) ? (IHybridCacheSerializer<T>)serializer : Resolve<T>();

    private IHybridCacheSerializer<T> Resolve<T>()
    {
        var serializer = _services.GetService<IHybridCacheSerializer<T>>()
            ?? FromFactories<T>()
            ?? BuiltIn<T>()
            ?? throw new InvalidOperationException(
                $"No serializer is available for type '{typeof(T)}'. The JSON serializer's options have no contract for it. "
                + "Register one on the builder returned by AddHybridCacheKit: AddSerializer<T>(...), AddSerializerFactory(...), "
                + "AddJsonSerializerContext(...) with a JsonSerializerContext that includes the type, or WithJsonSerializerOptions(...) "
                + "with a TypeInfoResolver that covers it.");

        // Two threads may resolve at once; both then use whichever instance was stored first.
        return (IHybridCacheSerializer<T>)_serializers.GetOrAdd(typeof(T), serializer);
    }

    private IHybridCacheSerializer<T>? FromFactories<T>()
    {
        foreach (var factory in _factories)
        {
            if (factory.TryCreateSerializer<T>(out var serializer))
            {
                return serializer;
            }
        }

        return null;
    }

    private IHybridCacheSerializer<T>? BuiltIn<T>()
    {
        if (typeof(T) == typeof(string))
        {
            return (IHybridCacheSerializer<T>)(object)StringSerializer.Instance;
        }

        if (typeof(T) == typeof(byte[]))
        {
            return (IHybridCacheSerializer<T>)(object)ByteArraySerializer.Instance;
        }

        EnsureResolver(_jsonOptions);
        return _jsonOptions.TryGetTypeInfo(typeof(T), out var typeInfo) && typeInfo is JsonTypeInfo<T> typed
            ? new JsonHybridCacheSerializer<T>(typed)
            : null;
    }

    /// <summary>
    /// Gives options without a <see cref="JsonSerializerOptions.TypeInfoResolver"/> the reflection-based one, exactly as
    /// <c>JsonSerializer.Serialize(value, options)</c> would, when the application allows reflection-based JSON.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode",
        Justification = "Only runs when JsonSerializer.IsReflectionEnabledByDefault is true, which trimmed and native AOT apps turn off; "
            + "they get no resolver here and must register a JsonSerializerContext (the error message says so).")]
    [UnconditionalSuppressMessage("AOT", "IL3050:RequiresDynamicCode",
        Justification = "Only runs when JsonSerializer.IsReflectionEnabledByDefault is true, which native AOT apps turn off.")]
    private static void EnsureResolver(JsonSerializerOptions options)
    {
        if (options.TypeInfoResolver is null && JsonSerializer.IsReflectionEnabledByDefault)
        {
            options.MakeReadOnly(populateMissingResolver: true);
        }
    }
}
