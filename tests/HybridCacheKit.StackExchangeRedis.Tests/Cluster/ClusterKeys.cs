using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>Picks cache keys whose Redis keys (instance name + key) land on chosen masters.</summary>
internal static class ClusterKeys
{
    /// <summary>One cache key per master, in the order of <see cref="RedisCluster.Masters"/>.</summary>
    public static string[] OnePerMaster(RedisCluster cluster, string instanceName, string stem)
    {
        var masters = cluster.Masters;
        var keys = new string?[masters.Count];
        for (var i = 0; keys.Any(k => k is null); i++)
        {
            var candidate = $"{stem}-{i}";
            var owner = cluster.MasterServing(instanceName + candidate);
            var index = masters.ToList().IndexOf(owner);
            keys[index] ??= candidate;
        }

        return keys!;
    }

    /// <summary>How many of <paramref name="redisKeys"/> each master serves, by node id.</summary>
    public static Dictionary<string, int> CountPerMaster(RedisCluster cluster, IEnumerable<string> redisKeys) =>
        redisKeys.GroupBy(k => cluster.MasterServing(k).Id).ToDictionary(g => g.Key, g => g.Count());
}
