namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// The fault tests kill, freeze and pause redis-server processes of their own and assert latency bounds, so they run
/// one at a time and not alongside the rest of the suite (on a 2-core machine a parallel build or test class would
/// otherwise eat into the bounds and make them measure the machine instead of the cache).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResilienceCollection
{
    public const string Name = "redis-resilience";
}
