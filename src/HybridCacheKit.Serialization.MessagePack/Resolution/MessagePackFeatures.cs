using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace HybridCacheKit.Serialization.MessagePack.Resolution;

/// <summary>The switch that turns the reflection-based fallback off.</summary>
internal static class MessagePackFeatures
{
    /// <summary>
    /// The AppContext switch name. The package's buildTransitive .targets sets it to false (a
    /// <c>&lt;RuntimeHostConfigurationOption Include="…" Value="false" Trim="true" /&gt;</c>) in apps published trimmed,
    /// so the trimmer removes the reflection path; native AOT turns the path off on its own.
    /// </summary>
    public const string ReflectionSwitchName = "HybridCacheKit.Serialization.MessagePack.IsReflectionEnabled";

    /// <summary>Whether types without a generated formatter may be handled through reflection.</summary>
    [FeatureSwitchDefinition(ReflectionSwitchName)]
    public static bool IsReflectionEnabled { get; } =
        RuntimeFeature.IsDynamicCodeSupported && (!AppContext.TryGetSwitch(ReflectionSwitchName, out var enabled) || enabled);
}
