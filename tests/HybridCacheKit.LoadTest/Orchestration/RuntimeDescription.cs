using System.Runtime.CompilerServices;
using System.Runtime;
using System.Runtime.InteropServices;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>One line naming the runtime and the settings that change performance (for each report column).</summary>
internal static class RuntimeDescription
{
    public static string Current()
    {
        var gc = GCSettings.IsServerGC ? "Server GC" : "Workstation GC";
        var concurrent = AppContext.TryGetSwitch("System.GC.Concurrent", out var c) ? (c ? ", concurrent" : ", non-concurrent") : string.Empty;
        var pgo = Environment.GetEnvironmentVariable("DOTNET_TieredPGO") is "0" ? ", TieredPGO off" : string.Empty;
        var code = RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "Native AOT";
        return $"{RuntimeInformation.FrameworkDescription}, {code}, {gc}{concurrent}{pgo}, {Environment.ProcessorCount} cores";
    }
}
