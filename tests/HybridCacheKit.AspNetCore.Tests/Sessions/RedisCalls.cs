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
        "ping", "echo", "info", "cluster", "client", "config", "subscribe", "unsubscribe", "psubscribe", "publish",
    };

    /// <summary>Network round trips: one per command, one for a whole MULTI…EXEC block.</summary>
    public int RoundTrips => RedisMonitor.CountRoundTrips(Commands);

    public static RedisCalls From(IReadOnlyList<RedisMonitorEntry> batch)
        => new([.. batch.Where(e => !e.FromScript && !s_housekeeping.Contains(e.Command)).Select(e => e.Command)]);

    public override string ToString() => string.Join(' ', Commands) + $" ({RoundTrips} round trips)";
}
