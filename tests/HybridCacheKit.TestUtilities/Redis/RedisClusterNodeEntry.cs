using System.Globalization;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>One parsed line of <c>CLUSTER NODES</c>.</summary>
internal sealed record RedisClusterNodeEntry(
    string Id, int Port, string[] Flags, string? MasterId, bool LinkConnected, IReadOnlyList<(int First, int Last)> Slots)
{
    public bool IsMaster => Flags.Contains("master");

    public bool IsFailed => Flags.Contains("fail") || Flags.Contains("fail?") || Flags.Contains("handshake") || Flags.Contains("noaddr");

    public bool IsMyself => Flags.Contains("myself");

    /// <summary>Parses the whole <c>CLUSTER NODES</c> reply.</summary>
    public static IReadOnlyList<RedisClusterNodeEntry> ParseAll(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();

    // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> <slot> ...
    private static RedisClusterNodeEntry Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var address = parts[1].Split('@')[0];
        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        var slots = new List<(int, int)>();
        foreach (var slot in parts.Skip(8))
        {
            if (slot.StartsWith('['))
            {
                continue; // a slot being migrated or imported
            }

            var dash = slot.IndexOf('-', StringComparison.Ordinal);
            slots.Add(dash < 0
                ? (int.Parse(slot, CultureInfo.InvariantCulture), int.Parse(slot, CultureInfo.InvariantCulture))
                : (int.Parse(slot[..dash], CultureInfo.InvariantCulture), int.Parse(slot[(dash + 1)..], CultureInfo.InvariantCulture)));
        }

        return new RedisClusterNodeEntry(parts[0], port, parts[2].Split(','), parts[3] == "-" ? null : parts[3], parts[7] == "connected", slots);
    }
}
