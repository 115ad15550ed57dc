using System.Numerics;

namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>
/// A fixed-memory latency histogram in nanoseconds with HDR-style log-linear buckets: values below 256 ns have a bucket
/// each; above, every power of two is split into 128 linear sub-buckets, so a reported value is within 1/128 (0.8%) of
/// the true one. Values are clamped at 2^36 ns (about 69 s). Everything is allocated up front (3,840 counters per
/// stripe); <see cref="Record"/> is one <see cref="Interlocked.Increment(ref long)"/> on the stripe of the current
/// processor, so it never allocates, never locks and rarely contends. Stripes are merged when read.
/// The same bucket layout is implemented by the Python peer (python/two_tier.py), so both feed one chart.
/// </summary>
internal sealed class LatencyHistogram
{
    public const int SubBucketBits = 7;
    public const int SubBucketCount = 1 << SubBucketBits;
    public const int MaxExponent = 36;
    public const long MaxValue = (1L << MaxExponent) - 1;

    /// <summary>256 exact buckets, then 128 per power of two from 2^8 to 2^35.</summary>
    public const int BucketCount = (2 * SubBucketCount) + ((MaxExponent - SubBucketBits - 1) * SubBucketCount);

    private readonly long[][] _stripes;
    private readonly int _stripeMask;

    public LatencyHistogram(int stripes = 0)
    {
        var count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, stripes > 0 ? stripes : Environment.ProcessorCount * 4));
        _stripes = new long[count][];
        for (var i = 0; i < count; i++)
        {
            _stripes[i] = new long[BucketCount];
        }

        _stripeMask = count - 1;
    }

    public static int IndexOf(long valueNs)
    {
        var v = valueNs <= 0 ? 0 : Math.Min(valueNs, MaxValue);
        if (v < 2 * SubBucketCount)
        {
            return (int)v;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)v);
        var shift = msb - SubBucketBits;
        return (2 * SubBucketCount) + ((shift - 1) * SubBucketCount) + (int)((v >> shift) - SubBucketCount);
    }

    /// <summary>The highest value that falls in bucket <paramref name="index"/> (what percentiles report, as HDR does).</summary>
    public static long HighestEquivalentValue(int index)
    {
        if (index < 2 * SubBucketCount)
        {
            return index;
        }

        var j = index - (2 * SubBucketCount);
        var shift = (j / SubBucketCount) + 1;
        var sub = (long)(j % SubBucketCount) + SubBucketCount;
        return ((sub + 1) << shift) - 1;
    }

    public void Record(long valueNs)
        => Interlocked.Increment(ref _stripes[Thread.GetCurrentProcessorId() & _stripeMask][IndexOf(valueNs)]);

    /// <summary>Sums the stripes into one array of bucket counts (a consistent-enough snapshot while recording goes on).</summary>
    public long[] Snapshot()
    {
        var merged = new long[BucketCount];
        foreach (var stripe in _stripes)
        {
            for (var i = 0; i < merged.Length; i++)
            {
                merged[i] += Volatile.Read(ref stripe[i]);
            }
        }

        return merged;
    }
}
