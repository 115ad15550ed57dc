using HybridCacheKit.LoadTest.Services;
using HybridCacheKit.LoadTest.Workload;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>A service's counters and the loader's run count at one edge of the timed window.</summary>
internal sealed record WindowCounters(IReadOnlyDictionary<string, long> Counters, long Loads)
{
    public static WindowCounters Take(CacheService service, SimulatedDatabase database)
        => new(new Dictionary<string, long>(service.Counters()), database.Loads);

    /// <summary>What was counted between <paramref name="before"/> and this reading (a counter absent before was 0), plus the gauges as they are now.</summary>
    public Dictionary<string, long> Minus(WindowCounters before, IReadOnlyDictionary<string, long> gauges)
    {
        var result = new Dictionary<string, long>();
        foreach (var (name, value) in Counters)
        {
            var delta = value - before.Counters.GetValueOrDefault(name);
            if (delta != 0)
            {
                result[name] = delta;
            }
        }

        foreach (var (name, value) in gauges)
        {
            result[name] = value;
        }

        return result;
    }
}
