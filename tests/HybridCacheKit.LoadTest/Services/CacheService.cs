using HybridCacheKit.LoadTest.Workload;

namespace HybridCacheKit.LoadTest.Services;

/// <summary>
/// One implementation of the measured service layer: a cache-aside read and a write of one key. The load runner drives
/// every implementation with the same operations; only the layer under test differs.
/// </summary>
internal abstract class CacheService : IAsyncDisposable
{
    /// <summary>Short name used on the command line and in reports (engine, raw, twotier).</summary>
    public abstract string Name { get; }

    /// <summary>One line describing the configuration, for the report.</summary>
    public abstract string Description { get; }

    /// <summary>Reads a key through the cache; on a miss the loader produces the value and it is stored.</summary>
    public abstract ValueTask<Product> ReadAsync(int index, string key);

    /// <summary>Writes a new value for a key.</summary>
    public abstract ValueTask WriteAsync(string key, Product value);

    /// <summary>Prepares the service (connects) and serves one read, so connection set-up is outside the measurement.</summary>
    public abstract Task StartAsync();

    /// <summary>
    /// Counters the service keeps about itself (hits, misses, errors), monotonic since it started: the runner reads them
    /// at both edges of the timed window and reports the difference.
    /// </summary>
    public virtual IReadOnlyDictionary<string, long> Counters() => new Dictionary<string, long>();

    /// <summary>Levels rather than counts (entries held), reported as read at the end of the window.</summary>
    public virtual IReadOnlyDictionary<string, long> Gauges() => new Dictionary<string, long>();

    public abstract ValueTask DisposeAsync();
}
