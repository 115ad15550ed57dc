using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Redis;

namespace HybridCacheKit.LoadTest.Report;

/// <summary>
/// What one mode measured, as written by its process (a .NET child or the Python peer, which writes the same JSON
/// shape) and read by the orchestrator. Latencies in nanoseconds; the histogram is sparse [bucket index, count] pairs
/// in <see cref="LatencyHistogram"/>'s layout.
/// </summary>
internal sealed record ModeResult
{
    public string Mode { get; init; } = string.Empty;

    public string Description { get; init; } = string.Empty;

    public string Runtime { get; init; } = string.Empty;

    public double WindowSeconds { get; init; }

    public long Reads { get; init; }

    public long Writes { get; init; }

    public double Throughput { get; init; }

    public LatencySummary? All { get; init; }

    public LatencySummary? Read { get; init; }

    public LatencySummary? Write { get; init; }

    public List<long[]> Histogram { get; init; } = [];

    /// <summary>VmHWM at the end: the process's peak resident memory over its whole life.</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>The highest VmRSS sampled during the timed window.</summary>
    public long? WindowPeakRssBytes { get; init; }

    /// <summary>Operations in the window that failed (threw); not in the latencies or the throughput.</summary>
    public long Errors { get; init; }

    /// <summary>Reads in the window that returned a wrong value; not in the latencies or the throughput.</summary>
    public long WrongValues { get; init; }

    /// <summary>Failed operations and wrong values outside the window (warm-up, or across an edge).</summary>
    public long FailuresOutsideWindow { get; init; }

    /// <summary>Failed operations in the window: when not 0, the targets are not evaluable.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long FailedInWindow => Errors + WrongValues;

    public string? FirstError { get; init; }

    public long DatabaseLoads { get; init; }

    public Dictionary<string, long> Counters { get; init; } = [];

    public RuntimeSnapshot? RuntimeCounters { get; init; }

    public long MaxPendingWorkItems { get; init; }

    public int MaxThreadCount { get; init; }

    public RedisStats? Redis { get; init; }

    public double[]? LoadAverageStart { get; init; }

    public double[]? LoadAverageEnd { get; init; }

    public string? Note { get; init; }

    public long[] DenseHistogram()
    {
        var counts = new long[LatencyHistogram.BucketCount];
        foreach (var pair in Histogram)
        {
            if (pair.Length == 2 && pair[0] >= 0 && pair[0] < counts.Length)
            {
                counts[pair[0]] += pair[1];
            }
        }

        return counts;
    }

    public static List<long[]> Sparse(long[] counts)
    {
        var list = new List<long[]>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                list.Add([i, counts[i]]);
            }
        }

        return list;
    }
}
