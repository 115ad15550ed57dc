using HybridCacheKit.LoadTest.Metrics;

namespace HybridCacheKit.LoadTest.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void IndexOf_EveryBucketsHighestValue_MapsBackToThatBucket()
    {
        for (var i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            Assert.Equal(i, LatencyHistogram.IndexOf(LatencyHistogram.HighestEquivalentValue(i)));
            if (i > 0)
            {
                Assert.Equal(i, LatencyHistogram.IndexOf(LatencyHistogram.HighestEquivalentValue(i - 1) + 1));
            }
        }
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(255L)]
    [InlineData(256L)]
    [InlineData(1_234_567L)]
    [InlineData(987_654_321L)]
    [InlineData(60_000_000_000L)]
    public void HighestEquivalentValue_IsWithinOnePart_In128_OfTheRecordedValue(long value)
    {
        var reported = LatencyHistogram.HighestEquivalentValue(LatencyHistogram.IndexOf(value));

        Assert.InRange(reported, value, value + (value / 128) + 1);
    }

    [Fact]
    public void IndexOf_OutOfRangeValues_AreClampedNotThrown()
    {
        Assert.Equal(0, LatencyHistogram.IndexOf(-5));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.IndexOf(long.MaxValue));
    }

    [Fact]
    public async Task Record_FromManyThreads_CountsEveryValueAndAllocatesNothing()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1); // warm the path once
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            histogram.Record(i * 1_000L);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record(500);
            }
        })));

        Assert.Equal(1 + 10_000 + (8 * 50_000), histogram.Snapshot().Sum());
    }

    [Fact]
    public void FromCounts_KnownDistribution_GivesOrderedPercentiles()
    {
        var histogram = new LatencyHistogram(stripes: 1);
        for (var v = 1; v <= 10_000; v++)
        {
            histogram.Record(v * 1_000L);
        }

        var summary = LatencySummary.FromCounts(histogram.Snapshot());

        Assert.Equal(10_000, summary.Count);
        Assert.InRange(summary.P50Ns, 5_000_000, 5_000_000 * 129 / 128);
        Assert.InRange(summary.P99Ns, 9_900_000, 9_900_000 * 129 / 128);
        Assert.InRange(summary.P999Ns, 9_990_000, 9_990_000 * 129 / 128);
        Assert.True(summary.P50Ns <= summary.P90Ns && summary.P90Ns <= summary.P99Ns && summary.P99Ns <= summary.P999Ns && summary.P999Ns <= summary.MaxNs);
    }

    [Fact]
    public void FromCounts_OneToOneThousand_TakesTheExactRanks()
    {
        var histogram = new LatencyHistogram(stripes: 1);
        for (var v = 1; v <= 1_000; v++)
        {
            histogram.Record(v);
        }

        var summary = LatencySummary.FromCounts(histogram.Snapshot());

        // Ranks 500, 990 and 999 of 1,000 (values 512-1023 share buckets four wide, so 999 and 1,000 differ: 996-999 and 1,000-1,003).
        Assert.Equal(BucketOf(500), summary.P50Ns);
        Assert.Equal(BucketOf(900), summary.P90Ns);
        Assert.Equal(BucketOf(990), summary.P99Ns);
        Assert.Equal(BucketOf(999), summary.P999Ns);
        Assert.NotEqual(BucketOf(1_000), summary.P999Ns);

        static long BucketOf(long value) => LatencyHistogram.HighestEquivalentValue(LatencyHistogram.IndexOf(value));
    }

    [Fact]
    public void FromCounts_Empty_IsAllZero()
    {
        var summary = LatencySummary.FromCounts(new long[LatencyHistogram.BucketCount]);

        Assert.Equal(0, summary.Count);
        Assert.Equal(0, summary.P99Ns);
    }
}
