namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>Samples what only has a current value (resident memory, thread-pool backlog and size) during the window.</summary>
internal sealed class RuntimeSampler
{
    public long PeakRssBytes { get; private set; }

    public long MaxPendingWorkItems { get; private set; }

    public int MaxThreadCount { get; private set; }

    public void Sample()
    {
        PeakRssBytes = Math.Max(PeakRssBytes, ProcessMemory.CurrentRssBytes() ?? 0);
        MaxPendingWorkItems = Math.Max(MaxPendingWorkItems, ThreadPool.PendingWorkItemCount);
        MaxThreadCount = Math.Max(MaxThreadCount, ThreadPool.ThreadCount);
    }
}
