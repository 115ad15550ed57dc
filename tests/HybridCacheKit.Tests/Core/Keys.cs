using System.Runtime.CompilerServices;

namespace HybridCacheKit.Tests.Core;

internal static class Keys
{
    /// <summary>A key unique to the calling test.</summary>
    public static string New([CallerMemberName] string scenario = "") => $"core:{scenario}:{Guid.NewGuid():N}";
}
