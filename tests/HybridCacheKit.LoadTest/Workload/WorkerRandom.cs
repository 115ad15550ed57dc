namespace HybridCacheKit.LoadTest.Workload;

/// <summary>
/// xoshiro256** seeded through splitmix64: one per worker, a struct kept in the worker's state machine, so drawing
/// an operation allocates nothing and shares nothing. Seeded from (run seed, worker index): the same run seed gives the
/// same per-worker streams.
/// </summary>
internal struct WorkerRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public WorkerRandom(ulong seed, int stream)
    {
        var x = seed ^ (0x9E3779B97F4A7C15UL * (ulong)(stream + 1));
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong Next()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
