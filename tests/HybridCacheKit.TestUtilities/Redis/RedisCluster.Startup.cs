using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HybridCacheKit.TestUtilities.Redis;

public sealed partial class RedisCluster
{
    private const int MaxBusPortAttempts = 5;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Starts <c>masters × (1 + replicasPerMaster)</c> servers with cluster mode on, joins them with
    /// <c>redis-cli --cluster create ... --cluster-replicas R --cluster-yes</c>, and waits until the cluster is ready.
    /// <paramref name="extraArgs"/> are added to every server's arguments (<c>{port}</c> is replaced).
    /// </summary>
    public static async Task<RedisCluster> StartAsync(
        int masters = 3, int replicasPerMaster = 0, IEnumerable<string>? extraArgs = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3); // redis-cli refuses fewer than three masters
        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);
        var extra = extraArgs?.ToArray() ?? [];
        var starts = Enumerable.Range(0, masters * (1 + replicasPerMaster)).Select(_ => StartNodeAsync(extra, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }

        var servers = starts.Select(s => s.Result).ToArray();
        try
        {
            await CreateAsync(servers, replicasPerMaster, cancellationToken).ConfigureAwait(false);
            var nodes = new RedisClusterNode[servers.Length];
            for (var i = 0; i < servers.Length; i++)
            {
                nodes[i] = new RedisClusterNode(servers[i], (await QueryAsync(servers[i], ["CLUSTER", "MYID"], cancellationToken).ConfigureAwait(false)).Trim());
            }

            var cluster = new RedisCluster(nodes, masters);
            await cluster.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await Task.WhenAll(servers.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }
    }

    // The cluster bus listens on port + 10000 by default, which can be above 65535 or taken; give it its own free port.
    private static async Task<RedisServer> StartNodeAsync(string[] extraArgs, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string[] args =
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes-{port}.conf",
                "--cluster-node-timeout", ((int)NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "--cluster-port", TestPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture),
                // Replicas start their first sync at once instead of after the default five-second diskless delay.
                "--repl-diskless-sync-delay", "0",
                .. extraArgs,
            ];
            try
            {
                return await RedisServer.StartAsync(args, cancellationToken).ConfigureAwait(false);
            }
            catch (RedisStartupException ex) when (ex.PortInUse && attempt < MaxBusPortAttempts)
            {
            }
        }
    }

    private static async Task CreateAsync(RedisServer[] servers, int replicasPerMaster, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(ResolveRedisCli())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("--cluster");
        startInfo.ArgumentList.Add("create");
        foreach (var server in servers)
        {
            startInfo.ArgumentList.Add(server.ConfigurationString);
        }

        startInfo.ArgumentList.Add("--cluster-replicas");
        startInfo.ArgumentList.Add(replicasPerMaster.ToString(CultureInfo.InvariantCulture));
        startInfo.ArgumentList.Add("--cluster-yes");

        using var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CreateTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill();
            throw new RedisStartupException($"redis-cli --cluster create did not finish within {CreateTimeout}:\n{Snapshot(output)}", portInUse: false);
        }

        if (process.ExitCode != 0)
        {
            throw new RedisStartupException($"redis-cli --cluster create failed (exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}):\n{Snapshot(output)}", portInUse: false);
        }
    }

    // Ready: every node has cluster_state:ok with all slots served, knows every other node (none in handshake or
    // failed), and every replica's link to its master is up (a replica that never synced cannot take over).
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var last = "not checked yet";
        while (true)
        {
            try
            {
                last = await CheckReadyAsync(cancellationToken).ConfigureAwait(false);
                if (last.Length == 0)
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                last = ex.Message;
            }

            if (Stopwatch.GetElapsedTime(started) > ReadyTimeout)
            {
                throw new RedisStartupException($"The Redis Cluster {ConfigurationString} was not ready within {ReadyTimeout}: {last}", portInUse: false);
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Empty when ready; otherwise what is not ready yet.</summary>
    private async Task<string> CheckReadyAsync(CancellationToken cancellationToken)
    {
        foreach (var node in _nodes)
        {
            var info = await QueryAsync(node.Server, ["CLUSTER", "INFO"], cancellationToken).ConfigureAwait(false);
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal)
                || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal)
                || !info.Contains($"cluster_known_nodes:{_nodes.Length.ToString(CultureInfo.InvariantCulture)}\r\n", StringComparison.Ordinal))
            {
                return $"{node.EndPoint} CLUSTER INFO: {info.Replace("\r\n", " ", StringComparison.Ordinal)}";
            }

            var entries = RedisClusterNodeEntry.ParseAll(await QueryAsync(node.Server, ["CLUSTER", "NODES"], cancellationToken).ConfigureAwait(false));
            if (entries.Count != _nodes.Length || entries.Any(e => e.IsFailed || !e.LinkConnected))
            {
                return $"{node.EndPoint} does not see every node connected yet";
            }

            // Every node must agree on the roles: a node that still sees a replica as an empty master would not let
            // it take over (and tests reading roles from any node must get the same answer).
            if (entries.Count(e => e.IsMaster && e.Slots.Count > 0) != _masterCount
                || entries.Count(e => !e.IsMaster && e.MasterId is not null) != _nodes.Length - _masterCount)
            {
                return $"{node.EndPoint} does not see every replica attached yet";
            }

            var self = entries.Single(e => e.IsMyself);
            if (!self.IsMaster)
            {
                var replication = await QueryAsync(node.Server, ["INFO", "replication"], cancellationToken).ConfigureAwait(false);
                if (!replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return $"replica {node.EndPoint} has not synced with its master yet";
                }
            }
        }

        return string.Empty;
    }

    private async Task<bool> AllAliveReportOkAsync(CancellationToken cancellationToken)
    {
        foreach (var node in _nodes.Where(n => n.IsAlive))
        {
            var info = await QueryAsync(node.Server, ["CLUSTER", "INFO"], cancellationToken).ConfigureAwait(false);
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string ResolveRedisCli()
    {
        var beside = Path.Combine(Path.GetDirectoryName(RedisExecutable.Resolve())!, "redis-cli");
        return File.Exists(beside)
            ? beside
            : throw new InvalidOperationException($"redis-cli was not found next to redis-server ({beside}); it comes with the Debian package redis-tools (installed with redis-server).");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
