using HybridCacheKit.LoadTest.Workload;

namespace HybridCacheKit.LoadTest.Tests;

public sealed class ZipfAliasTableTests
{
    [Fact]
    public void Sample_ManyDraws_FollowsTheZipfProbabilities()
    {
        const int keys = 1_000;
        var table = new ZipfAliasTable(keys, 0.99);
        var random = new WorkerRandom(42, 0);
        var counts = new int[keys];
        const int draws = 2_000_000;
        for (var i = 0; i < draws; i++)
        {
            counts[table.Sample(random.Next())]++;
        }

        double harmonic = 0;
        for (var k = 1; k <= keys; k++)
        {
            harmonic += 1 / Math.Pow(k, 0.99);
        }

        foreach (var rank in new[] { 0, 1, 9, 99, 999 })
        {
            var expected = draws / Math.Pow(rank + 1, 0.99) / harmonic;
            Assert.InRange(counts[rank], expected * 0.9, expected * 1.1);
        }

        Assert.Equal(1 / harmonic, table.TopKeyShare, 6);
    }

    [Theory]
    [InlineData(1, 0.99)]
    [InlineData(7, 0.0)]
    [InlineData(1_000, 0.99)]
    [InlineData(100_000, 0.99)]
    public void Constructor_EveryColumn_IsFullAndAliasesItselfOrSplitsWithAnotherColumn(int keys, double exponent)
    {
        var table = new ZipfAliasTable(keys, exponent);
        var full = 0;
        for (var column = 0; column < keys; column++)
        {
            var probability = table.ProbabilityOf(column);
            var alias = table.AliasOf(column);
            Assert.InRange(probability, float.Epsilon, 1f);
            Assert.InRange(alias, 0, keys - 1);
            if (probability == 1f)
            {
                full++;
                Assert.True(alias == column, $"full column {column} aliases {alias}");
            }
        }

        Assert.True(full > 0, "no full column: the invariant was not exercised");
    }

    [Fact]
    public void Sample_CoinOfOne_StaysInAFullColumn()
    {
        // Uniform popularity: every column is full. A 64-bit draw whose low 32 bits are all set gives a coin of exactly
        // 1.0f (4294967295 rounds to 2^32 in float), which fails `coin < probability` and takes the alias.
        const int keys = 7;
        var table = new ZipfAliasTable(keys, 0);
        for (var column = 0; column < keys; column++)
        {
            var high = (ulong)Math.Ceiling(column * 4294967296.0 / keys);
            Assert.Equal(column, table.Sample((high << 32) | 0xFFFF_FFFFUL));
        }
    }

    [Fact]
    public void WorkerRandom_SameSeedAndStream_RepeatsAndStreamsDiffer()
    {
        var a = new WorkerRandom(42, 3);
        var b = new WorkerRandom(42, 3);
        var c = new WorkerRandom(42, 4);
        var first = Enumerable.Range(0, 5).Select(_ => a.Next()).ToArray();

        Assert.Equal(first, Enumerable.Range(0, 5).Select(_ => b.Next()));
        Assert.NotEqual(first, Enumerable.Range(0, 5).Select(_ => c.Next()));
    }

    [Fact]
    public void Constructor_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZipfAliasTable(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZipfAliasTable(10, -1));
    }
}
