namespace HybridCacheKit.LoadTest.Workload;

/// <summary>The workload every mode runs (the same numbers go to the Python peer and the wrk script).</summary>
internal sealed record WorkloadSettings
{
    public int Workers { get; init; } = 1000;

    public int KeyCount { get; init; } = 100_000;

    public double ZipfExponent { get; init; } = 0.99;

    public double WriteRatio { get; init; } = 0.30;

    /// <summary>Length of the description, which makes the JSON value about 1 KB.</summary>
    public int DescriptionLength { get; init; } = 880;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public ulong Seed { get; init; } = 42;

    /// <summary>Extra latency of the simulated database on a cache miss (zero: one yield to the thread pool).</summary>
    public TimeSpan DatabaseDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Redis TTL of every written value (all modes).</summary>
    public TimeSpan Expiration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>L1 TTL (the published design's 60 s).</summary>
    public TimeSpan LocalExpiration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The engine's L1 cap (<c>LocalCacheSizeLimitBytes</c>).</summary>
    public long LocalCacheSizeLimitBytes { get; init; } = 16L * 1024 * 1024;
}
