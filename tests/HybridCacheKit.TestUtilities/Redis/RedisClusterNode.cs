namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// One node of a <see cref="RedisCluster"/>: its server process and, as of the last
/// <see cref="RedisCluster.RefreshAsync"/>, its role, its master (for a replica) and the hash slots it serves.
/// </summary>
public sealed class RedisClusterNode
{
    private IReadOnlyList<(int First, int Last)> _slots = [];

    internal RedisClusterNode(RedisServer server, string id)
    {
        Server = server;
        Id = id;
    }

    /// <summary>The redis-server process.</summary>
    public RedisServer Server { get; }

    /// <summary>The node id (40 hex characters) the cluster knows it by.</summary>
    public string Id { get; }

    /// <summary>The role the live nodes report for this node.</summary>
    public RedisClusterNodeRole Role { get; private set; } = RedisClusterNodeRole.Failed;

    /// <summary>For a replica, the id of its master; otherwise null.</summary>
    public string? MasterId { get; private set; }

    /// <summary>The hash slot ranges (inclusive) this node serves; empty for replicas.</summary>
    public IReadOnlyList<(int First, int Last)> Slots => _slots;

    /// <summary>False once <see cref="RedisCluster.Kill"/> killed it.</summary>
    public bool IsAlive => Server.IsRunning;

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string EndPoint => Server.ConfigurationString;

    /// <summary>Whether this node serves <paramref name="slot"/>.</summary>
    public bool ServesSlot(int slot) => _slots.Any(range => slot >= range.First && slot <= range.Last);

    /// <inheritdoc />
    public override string ToString() =>
        $"{EndPoint} {Role}{(MasterId is null ? string.Empty : " of " + MasterId[..8])} slots [{string.Join(',', _slots.Select(r => $"{r.First}-{r.Last}"))}] id {Id[..8]}";

    /// <summary>Applies one line of <c>CLUSTER NODES</c> describing this node.</summary>
    internal void Apply(RedisClusterNodeEntry entry)
    {
        Role = entry.IsFailed ? RedisClusterNodeRole.Failed : entry.IsMaster ? RedisClusterNodeRole.Master : RedisClusterNodeRole.Replica;
        MasterId = entry.MasterId;
        _slots = entry.Slots;
    }
}
