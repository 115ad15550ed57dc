using System.Diagnostics;
using System.Globalization;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// A real Redis Cluster of <c>redis-server</c> child processes on loopback: <c>masters</c> masters, each with
/// <c>replicasPerMaster</c> replicas, created with <c>redis-cli --cluster create</c> and ready (every node reports
/// <c>cluster_state:ok</c>, all 16384 slots covered, every replica in sync) when <see cref="StartAsync"/> returns.
/// Nodes use <c>--cluster-node-timeout 2000</c>, so a killed master is replaced by one of its replicas within a few seconds.
/// </summary>
public sealed partial class RedisCluster : IAsyncDisposable
{
    /// <summary>The <c>cluster-node-timeout</c> of every node: how long a node may be unreachable before failover starts.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisClusterNode[] _nodes;
    private readonly int _masterCount;

    private RedisCluster(RedisClusterNode[] nodes, int masterCount)
    {
        _nodes = nodes;
        _masterCount = masterCount;
    }

    /// <summary>Every node started, in start order (masters first as created; roles change on failover).</summary>
    public IReadOnlyList<RedisClusterNode> Nodes => _nodes;

    /// <summary>The nodes that were masters at the last <see cref="RefreshAsync"/>.</summary>
    public IReadOnlyList<RedisClusterNode> Masters => _nodes.Where(n => n.Role == RedisClusterNodeRole.Master).ToArray();

    /// <summary>Every node's <c>127.0.0.1:PORT</c>, comma-separated: a StackExchange.Redis configuration string.</summary>
    public string ConfigurationString => string.Join(',', _nodes.Select(n => n.EndPoint));

    /// <summary>Re-reads every node's role and slots from a live node's <c>CLUSTER NODES</c>.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var text = await QueryAnyAliveAsync(["CLUSTER", "NODES"], cancellationToken).ConfigureAwait(false);
        Apply(RedisClusterNodeEntry.ParseAll(text));
    }

    /// <summary>The node serving <paramref name="slot"/> as of the last <see cref="RefreshAsync"/>.</summary>
    public RedisClusterNode MasterServing(int slot) =>
        _nodes.FirstOrDefault(n => n.Role == RedisClusterNodeRole.Master && n.ServesSlot(slot))
        ?? throw new InvalidOperationException($"No master serves slot {slot.ToString(CultureInfo.InvariantCulture)}: {Describe()}");

    /// <summary>The node serving the slot of <paramref name="key"/> as of the last <see cref="RefreshAsync"/>.</summary>
    public RedisClusterNode MasterServing(string key) => MasterServing(RedisClusterHashSlot.Of(key));

    /// <summary>Kills the master serving <paramref name="slot"/> with SIGKILL (a crash) and returns it; roles are refreshed first.</summary>
    public async Task<RedisClusterNode> KillMasterAsync(int slot, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var master = MasterServing(slot);
        master.Server.Kill();
        return master;
    }

    /// <summary>
    /// Waits (bounded by <paramref name="timeout"/>) until a former replica of <paramref name="killedMaster"/> has been
    /// promoted and serves its slots, and every live node reports <c>cluster_state:ok</c>. Returns the new master.
    /// </summary>
    public async Task<RedisClusterNode> WaitForFailoverAsync(RedisClusterNode killedMaster, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(killedMaster);
        var lostSlots = killedMaster.Slots;
        var candidates = _nodes.Where(n => n.MasterId == killedMaster.Id).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        if (candidates.Count == 0 || lostSlots.Count == 0)
        {
            throw new InvalidOperationException($"{killedMaster} had no replica or no slots, so nothing can take over: {Describe()}");
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
                var promoted = _nodes.FirstOrDefault(n => candidates.Contains(n.Id) && n.IsAlive && n.Role == RedisClusterNodeRole.Master
                    && lostSlots.All(range => n.ServesSlot(range.First) && n.ServesSlot(range.Last)));
                if (promoted is not null && await AllAliveReportOkAsync(cancellationToken).ConfigureAwait(false))
                {
                    return promoted;
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException)
            {
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"No replica of {killedMaster} took over within {timeout}: {Describe()}");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One line per node: address, role, master, slots; for failure messages.</summary>
    public string Describe() => string.Join("; ", _nodes.Select(n => (n.IsAlive ? string.Empty : "(killed) ") + n));

    /// <summary>Kills every node and deletes their directories.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.Server.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"Redis Cluster {ConfigurationString}";

    private void Apply(IReadOnlyList<RedisClusterNodeEntry> entries)
    {
        foreach (var node in _nodes)
        {
            if (entries.FirstOrDefault(e => e.Id == node.Id) is { } entry)
            {
                node.Apply(entry);
            }
        }
    }

    private async Task<string> QueryAnyAliveAsync(object[] command, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var node in _nodes.Where(n => n.IsAlive))
        {
            try
            {
                return await QueryAsync(node.Server, command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                last = ex;
            }
        }

        throw new IOException($"No live cluster node answered {command[0]} {command[1]}: {Describe()}", last);
    }

    private static async Task<string> QueryAsync(RedisServer server, object[] command, CancellationToken cancellationToken)
    {
        await using var client = await server.CreateClientAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
        var reply = await client.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        return reply.IsError
            ? throw new InvalidOperationException($"{server.ConfigurationString} answered {command[0]} {command[1]} with {reply.Text}")
            : reply.Text ?? string.Empty;
    }
}
