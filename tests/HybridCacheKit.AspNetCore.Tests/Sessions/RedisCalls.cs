using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>
/// The Redis commands an application sent, as seen by <see cref="RedisMonitor"/>: commands run inside scripts and the
/// client library's own housekeeping (PING, INFO, CLUSTER, the backplane's PUBLISH/SUBSCRIBE) left out.
/// </summary>
internal sealed record RedisCalls(IReadOnlyList<string> Commands)
{
    private static readonly HashSet<string> s_housekeeping = new(StringComparer.Ordinal)
    {
        "ping", "echo", "info", "cluster", "client", "config", "select", "subscribe", "unsubscribe", "psubscribe", "publish",
    };

    /// <summary>
    /// Network round trips: each command is one, except that a MULTI…EXEC block, which StackExchange.Redis pipelines in
    /// one write, is one in all.
    /// </summary>
    public int RoundTrips
    {
        get
        {
            var trips = 0;
            var inTransaction = false;
            foreach (var command in Commands)
            {
                if (command == "multi")
                {
                    inTransaction = true;
                    trips++;
                }
                else if (command == "exec")
                {
                    inTransaction = false;
                }
                else if (!inTransaction)
                {
                    trips++;
                }
            }

            return trips;
        }
    }

    public static RedisCalls From(IReadOnlyList<RedisMonitorEntry> batch)
        => new([.. batch.Where(e => !e.FromScript && !s_housekeeping.Contains(e.Command)).Select(e => e.Command)]);

    public override string ToString() => string.Join(' ', Commands) + $" ({RoundTrips} round trips)";
}
