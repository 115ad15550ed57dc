namespace HybridCacheKit.LoadTest.Workload;

/// <summary>
/// A Zipf(s) distribution over key indices 0..n-1 (index 0 the most popular: p(k) ∝ 1/(k+1)^s), sampled in constant
/// time with Vose's alias method. Built once before the run (two arrays of n entries: 800 KB for 100,000 keys), so
/// drawing a key on the hot path is one random number, one table read and one comparison. The Python peer and the wrk
/// script build the same table with the same algorithm.
/// </summary>
internal sealed class ZipfAliasTable
{
    private readonly float[] _probability;
    private readonly int[] _alias;

    public ZipfAliasTable(int keyCount, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        KeyCount = keyCount;
        Exponent = exponent;
        var weights = new double[keyCount];
        double total = 0;
        for (var k = 0; k < keyCount; k++)
        {
            weights[k] = 1.0 / Math.Pow(k + 1, exponent);
            total += weights[k];
        }

        _probability = new float[keyCount];
        _alias = new int[keyCount];
        var scaled = new double[keyCount];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (var k = 0; k < keyCount; k++)
        {
            // A column that ends up full (probability 1) must alias to itself: a coin of exactly 1.0f (the top 24 bits
            // of the draw all set) fails `coin < 1f` and takes the alias, which would otherwise be key 0.
            _alias[k] = k;
            scaled[k] = weights[k] / total * keyCount;
            (scaled[k] < 1.0 ? small : large).Push(k);
        }

        while (small.Count > 0 && large.Count > 0)
        {
            var s = small.Pop();
            var l = large.Pop();
            _probability[s] = (float)scaled[s];
            _alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            (scaled[l] < 1.0 ? small : large).Push(l);
        }

        while (large.Count > 0)
        {
            _probability[large.Pop()] = 1f;
        }

        while (small.Count > 0)
        {
            _probability[small.Pop()] = 1f;
        }

        TopKeyShare = weights[0] / total;
    }

    public int KeyCount { get; }

    public double Exponent { get; }

    /// <summary>The probability of the most popular key.</summary>
    public double TopKeyShare { get; }

    /// <summary>The probability of keeping column <paramref name="column"/> (1 for a full column), for tests.</summary>
    internal float ProbabilityOf(int column) => _probability[column];

    /// <summary>Where a draw of column <paramref name="column"/> goes when its coin fails, for tests.</summary>
    internal int AliasOf(int column) => _alias[column];

    /// <summary>Draws a key index from two uniform numbers taken from one 64-bit random value.</summary>
    public int Sample(ulong random)
    {
        var column = (int)(((random >> 32) * (ulong)_probability.Length) >> 32);
        var coin = (uint)random * (1.0f / 4294967296.0f);
        return coin < _probability[column] ? column : _alias[column];
    }
}
