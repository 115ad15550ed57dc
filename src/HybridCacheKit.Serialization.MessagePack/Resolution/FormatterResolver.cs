using System.Diagnostics.CodeAnalysis;
using HybridCacheKit.Serialization.MessagePack.Formatters;
using HybridCacheKit.Serialization.MessagePack.Reflection;

namespace HybridCacheKit.Serialization.MessagePack.Resolution;

/// <summary>Where a formatter came from; tests use it to prove generated types never touch reflection.</summary>
internal enum FormatterOrigin
{
    None,
    BuiltIn,
    Generated,
    Reflection,
}

/// <summary>
/// Finds the formatter of a type: a generated one first, then the package's primitives, then (where reflection is
/// allowed) one built by reflection. Options play no part; they travel with the reader and writer.
/// </summary>
internal static class FormatterResolver
{
    private static readonly Dictionary<Type, object> s_builtIn = new()
    {
        [typeof(bool)] = BooleanFormatter.Instance,
        [typeof(byte)] = ByteFormatter.Instance,
        [typeof(sbyte)] = SByteFormatter.Instance,
        [typeof(short)] = Int16Formatter.Instance,
        [typeof(ushort)] = UInt16Formatter.Instance,
        [typeof(int)] = Int32Formatter.Instance,
        [typeof(uint)] = UInt32Formatter.Instance,
        [typeof(long)] = Int64Formatter.Instance,
        [typeof(ulong)] = UInt64Formatter.Instance,
        [typeof(float)] = SingleFormatter.Instance,
        [typeof(double)] = DoubleFormatter.Instance,
        [typeof(char)] = CharFormatter.Instance,
        [typeof(string)] = StringFormatter.Instance,
        [typeof(byte[])] = ByteArrayFormatter.Instance,
        [typeof(decimal)] = DecimalFormatter.Instance,
        [typeof(Guid)] = GuidFormatter.Instance,
        [typeof(DateTime)] = DateTimeFormatter.Instance,
        [typeof(DateTimeOffset)] = DateTimeOffsetFormatter.Instance,
        [typeof(TimeSpan)] = TimeSpanFormatter.Instance,
        [typeof(Int128)] = Int128Formatter.Instance,
        [typeof(UInt128)] = UInt128Formatter.Instance,
        [typeof(System.Numerics.BigInteger)] = BigIntegerFormatter.Instance,
        [typeof(Half)] = HalfFormatter.Instance,
    };

    /// <summary>The formatter of a primitive the package knows, or null.</summary>
    public static object? FindBuiltIn(Type type) => s_builtIn.GetValueOrDefault(type);

    /// <summary>Finds the formatter of <typeparamref name="T"/>.</summary>
    /// <param name="origin">Where it came from; <see cref="FormatterOrigin.None"/> when there is none.</param>
    /// <param name="reason">Why there is none, when there is none.</param>
    /// <returns>The formatter, or null.</returns>
    public static IMessagePackFormatter<T>? Find<T>(out FormatterOrigin origin, out string? reason)
    {
        reason = null;
        if (MessagePackFormatters.FindGenerated<T>() is { } generated)
        {
            origin = FormatterOrigin.Generated;
            return generated;
        }

        if (s_builtIn.TryGetValue(typeof(T), out var builtIn))
        {
            origin = FormatterOrigin.BuiltIn;
            return (IMessagePackFormatter<T>)builtIn;
        }

        if (MessagePackFeatures.IsReflectionEnabled)
        {
            return FromReflection<T>(out origin, out reason);
        }

        origin = FormatterOrigin.None;
        reason = $"'{typeof(T)}' has no generated formatter (mark it [GenerateMessagePack]) and the reflection-based fallback is off in this app (trimmed or native AOT, or the switch {MessagePackFeatures.ReflectionSwitchName} is false).";
        return null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode",
        Justification = "Reached only when MessagePackFeatures.IsReflectionEnabled is true: never in native AOT, and in apps published trimmed the package's buildTransitive .targets sets the feature switch to false so the trimmer removes this path (unless the app opts out). Types that must survive trimming use [GenerateMessagePack].")]
    [UnconditionalSuppressMessage("AOT", "IL3050:RequiresDynamicCode",
        Justification = "Reached only when RuntimeFeature.IsDynamicCodeSupported is true (see MessagePackFeatures.IsReflectionEnabled).")]
    private static IMessagePackFormatter<T>? FromReflection<T>(out FormatterOrigin origin, out string? reason)
    {
        if (ReflectionFormatters.TryGet(typeof(T), out var formatter, out reason))
        {
            origin = FormatterOrigin.Reflection;
            return (IMessagePackFormatter<T>)formatter;
        }

        origin = FormatterOrigin.None;
        return null;
    }
}
