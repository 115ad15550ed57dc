using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using HybridCacheKit.Serialization.MessagePack.Formatters;
using HybridCacheKit.Serialization.MessagePack.Resolution;

namespace HybridCacheKit.Serialization.MessagePack.Reflection;

/// <summary>
/// Builds formatters at run time for types without a generated one: the same shapes the generator handles (see
/// docs/messagepack.md), found through reflection and closed with MakeGenericType. Built once per type.
/// </summary>
[RequiresUnreferencedCode(Message)]
[RequiresDynamicCode(Message)]
internal static class ReflectionFormatters
{
    public const string Message = "The reflection-based MessagePack formatters read members through reflection and close generic types at run time. Mark cached types [GenerateMessagePack] for trimmed and native AOT apps.";

    private static readonly ConcurrentDictionary<Type, object> s_cache = new();
    private static readonly ConcurrentDictionary<Type, string> s_failures = new();

    // Formatters being built; a type that refers to itself (a tree) finds its own formatter here before it is done.
    private static readonly Dictionary<Type, object> s_pending = [];
    private static readonly Lock s_gate = new();

    // Set only while a test builds a formatter that must not use generated ones (to compare the two paths' bytes).
    private static bool s_isolated;

    /// <summary>Gets or builds the formatter of <paramref name="type"/>.</summary>
    public static bool TryGet(Type type, [NotNullWhen(true)] out object? formatter, [NotNullWhen(false)] out string? reason)
    {
        if (s_cache.TryGetValue(type, out formatter))
        {
            reason = null;
            return true;
        }

        if (s_failures.TryGetValue(type, out reason))
        {
            return false;
        }

        lock (s_gate)
        {
            try
            {
                formatter = Resolve(type);
                foreach (var (pendingType, pendingFormatter) in s_pending)
                {
                    s_cache.TryAdd(pendingType, pendingFormatter);
                }

                s_cache.TryAdd(type, formatter);
                reason = null;
                return true;
            }
            catch (NotSupportedException ex)
            {
                reason = ex.Message;
                s_failures.TryAdd(type, reason);
                formatter = null;
                return false;
            }
            finally
            {
                s_pending.Clear();
            }
        }
    }

    /// <summary>
    /// Builds a reflection-based formatter for <paramref name="type"/> and everything in it, ignoring generated
    /// formatters and the cache; for tests that compare the generated and reflection paths.
    /// </summary>
    internal static object BuildIsolated(Type type)
    {
        lock (s_gate)
        {
            s_isolated = true;
            try
            {
                return Resolve(type);
            }
            finally
            {
                s_isolated = false;
                s_pending.Clear();
            }
        }
    }

    /// <summary>The formatter of <paramref name="type"/>; called under the lock.</summary>
    /// <exception cref="NotSupportedException">The type cannot be mapped; the message says why.</exception>
    internal static object Resolve(Type type)
    {
        if ((!s_isolated && s_cache.TryGetValue(type, out var cached)) || s_pending.TryGetValue(type, out cached))
        {
            return cached;
        }

        if (!s_isolated && MessagePackFormatters.FindGenerated(type) is { } generated)
        {
            return generated;
        }

        if (FormatterResolver.FindBuiltIn(type) is { } builtIn)
        {
            return builtIn;
        }

        if (type.IsEnum)
        {
            return Create(typeof(EnumFormatter<>), [type]);
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Create(typeof(NullableFormatter<>), [underlying], Resolve(underlying));
        }

        if (type.IsArray)
        {
            if (!type.IsSZArray)
            {
                throw new NotSupportedException($"'{type}' is a multi-dimensional array; only single-dimension arrays are supported.");
            }

            var element = type.GetElementType()!;
            return Create(typeof(ArrayFormatter<>), [element], Resolve(element));
        }

        if (type.IsGenericType && CollectionShapes.TryGetFormatterDefinition(type.GetGenericTypeDefinition()) is { } definition)
        {
            var arguments = type.GetGenericArguments();
            var formatters = Array.ConvertAll(arguments, Resolve);
            return Create(definition, arguments, formatters);
        }

        ObjectContract.ThrowIfNotMappable(type);
        var formatterType = typeof(ReflectionObjectFormatter<>).MakeGenericType(type);
        var formatter = (IReflectionObjectFormatter)Activator.CreateInstance(formatterType)!;
        s_pending[type] = formatter;
        try
        {
            formatter.Initialize(ObjectContract.Build(type));
        }
        catch
        {
            s_pending.Remove(type);
            throw;
        }

        return formatter;
    }

    private static object Create(Type definition, Type[] arguments, params object[] constructorArguments)
        => Activator.CreateInstance(definition.MakeGenericType(arguments), constructorArguments)!;
}
