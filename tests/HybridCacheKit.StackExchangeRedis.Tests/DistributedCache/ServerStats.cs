using System.Globalization;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>Reads <c>INFO commandstats</c>: how often each command ran (and was rejected) since <c>CONFIG RESETSTAT</c>.</summary>
internal static class ServerStats
{
    public static void Reset(RespClient client) => CacheHarness.RawOk(client.Execute("CONFIG", "RESETSTAT"));

    /// <summary>Command name → (calls, rejected calls). Commands run inside a script count too.</summary>
    public static Dictionary<string, (long Calls, long Rejected)> CommandStats(RespClient client)
    {
        var text = client.Execute("INFO", "commandstats").Text ?? string.Empty;
        var stats = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var values = line[(colon + 1)..].Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            stats[line["cmdstat_".Length..colon]] = (Parse(values, "calls"), Parse(values, "rejected_calls"));
        }

        return stats;
    }

    public static long Calls(Dictionary<string, (long Calls, long Rejected)> stats, string command)
        => stats.TryGetValue(command, out var s) ? s.Calls : 0;

    public static long Rejected(Dictionary<string, (long Calls, long Rejected)> stats, string command)
        => stats.TryGetValue(command, out var s) ? s.Rejected : 0;

    private static long Parse(Dictionary<string, string> values, string name)
        => values.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
}
