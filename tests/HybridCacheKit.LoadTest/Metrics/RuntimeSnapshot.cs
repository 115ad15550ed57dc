using System.Runtime;

namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>
/// The runtime's own counters at one moment (GC, allocation, thread pool, lock contention); the difference of two
/// snapshots says where a window's time went without an external profiler.
/// </summary>
internal sealed record RuntimeSnapshot(
    int Gen0,
    int Gen1,
    int Gen2,
    TimeSpan GcPause,
    long AllocatedBytes,
    long ThreadPoolCompleted,
    long LockContentions,
    TimeSpan ProcessorTime,
    long HeapBytes,
    long CommittedBytes)
{
    public bool ServerGc { get; init; } = GCSettings.IsServerGC;

    public string LatencyMode { get; init; } = GCSettings.LatencyMode.ToString();

    public static RuntimeSnapshot Take()
    {
        var info = GC.GetGCMemoryInfo();
        return new RuntimeSnapshot(
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            GC.GetTotalPauseDuration(),
            GC.GetTotalAllocatedBytes(precise: false),
            ThreadPool.CompletedWorkItemCount,
            Monitor.LockContentionCount,
            Environment.CpuUsage.TotalTime,
            info.HeapSizeBytes,
            info.TotalCommittedBytes);
    }

    /// <summary>Counters as differences; heap sizes as of <see langword="this"/> (the later snapshot).</summary>
    public RuntimeSnapshot Minus(RuntimeSnapshot earlier) => this with
    {
        Gen0 = Gen0 - earlier.Gen0,
        Gen1 = Gen1 - earlier.Gen1,
        Gen2 = Gen2 - earlier.Gen2,
        GcPause = GcPause - earlier.GcPause,
        AllocatedBytes = AllocatedBytes - earlier.AllocatedBytes,
        ThreadPoolCompleted = ThreadPoolCompleted - earlier.ThreadPoolCompleted,
        LockContentions = LockContentions - earlier.LockContentions,
        ProcessorTime = ProcessorTime - earlier.ProcessorTime,
    };
}
