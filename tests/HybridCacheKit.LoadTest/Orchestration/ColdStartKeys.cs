using System.Globalization;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>
/// The keys the cold-start samples serve: one fresh key per sample and per run (a random run id), so every sample's
/// first operation finds nothing cached and runs the loader, whether Redis was flushed or not (a supplied Redis is
/// never flushed). Under the tool's namespace like every other key (the engine's InstanceName, Python's prefix).
/// </summary>
internal readonly record struct ColdStartKeys(string RunId)
{
    public static ColdStartKeys ForRun() => new(Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The key of sample <paramref name="index"/>; the child serves it + ":first", then + ":second" warm.</summary>
    public string Sample(int index) => string.Create(CultureInfo.InvariantCulture, $"coldstart:{RunId}:{index}");
}
