namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>Percentiles of merged <see cref="LatencyHistogram"/> bucket counts (nanoseconds).</summary>
internal sealed record LatencySummary(long Count, double MeanNs, long P50Ns, long P90Ns, long P99Ns, long P999Ns, long MaxNs)
{
    public static LatencySummary FromCounts(long[] counts)
    {
        long total = 0;
        double sum = 0;
        var max = 0L;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            total += counts[i];
            var value = LatencyHistogram.HighestEquivalentValue(i);
            sum += (double)value * counts[i];
            max = value;
        }

        return new LatencySummary(
            total,
            total == 0 ? 0 : sum / total,
            ValueAtPercentile(counts, total, 50),
            ValueAtPercentile(counts, total, 90),
            ValueAtPercentile(counts, total, 99),
            ValueAtPercentile(counts, total, 99.9),
            max);
    }

    /// <summary>The smallest bucket value at or below which <paramref name="percentile"/>% of the recorded values fall.</summary>
    public static long ValueAtPercentile(long[] counts, long total, double percentile)
    {
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(percentile / 100.0 * total);
        rank = Math.Clamp(rank, 1, total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return LatencyHistogram.HighestEquivalentValue(i);
            }
        }

        return LatencyHistogram.HighestEquivalentValue(counts.Length - 1);
    }

    public static long[] Add(long[] a, long[] b)
    {
        var sum = new long[Math.Max(a.Length, b.Length)];
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = (i < a.Length ? a[i] : 0) + (i < b.Length ? b[i] : 0);
        }

        return sum;
    }
}
