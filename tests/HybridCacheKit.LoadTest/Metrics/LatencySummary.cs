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
            ValueAtRank(counts, total, 50_000),
            ValueAtRank(counts, total, 90_000),
            ValueAtRank(counts, total, 99_000),
            ValueAtRank(counts, total, 99_900),
            max);
    }

    /// <summary>
    /// The smallest bucket value at or below which <paramref name="perHundredThousand"/> / 100,000 of the recorded values
    /// fall (99.9% is 99,900). The rank is ceil(total × p / 100,000) in integers: in floating point 99.9 / 100 is
    /// 0.9990000000000001, so of 1,000 values the 1,000th, not the 999th, would be taken for p99.9.
    /// </summary>
    public static long ValueAtRank(long[] counts, long total, int perHundredThousand)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perHundredThousand);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perHundredThousand, 100_000);
        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Clamp(((total * perHundredThousand) + 99_999) / 100_000, 1, total);
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
