using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HybridCacheKit.LoadTest.Redis;

/// <summary>
/// Starts redis-server on loopback for a run: one standalone server, or three masters joined into a cluster with
/// redis-cli. Each server gets a free port, its own temporary directory and no persistence; all are stopped (and the
/// directories removed) on dispose.
/// </summary>
internal sealed class RedisLauncher : IAsyncDisposable
{
    private readonly List<(Process Process, string Directory)> _servers = [];

    private RedisLauncher()
    {
    }

    /// <summary>The StackExchange.Redis configuration string (every node, for a cluster).</summary>
    public string Configuration { get; private set; } = string.Empty;

    /// <summary>What was started, for the report.</summary>
    public string Description { get; private set; } = string.Empty;

    public static string? FindOnPath(string executable)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<RedisLauncher> StartAsync(bool cluster, TextWriter log)
    {
        var server = FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server is not on PATH. Install it (Debian: apt-get install -y redis-server) or pass --redis HOST:PORT.");
        var launcher = new RedisLauncher();
        try
        {
            var version = await RunAsync(server, ["--version"]).ConfigureAwait(false);
            var nodes = cluster ? 3 : 1;
            var ports = new List<int>();
            for (var i = 0; i < nodes; i++)
            {
                var port = FreePort();
                var args = new List<string> { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "no" };
                if (cluster)
                {
                    args.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"]);
                }

                await launcher.StartServerAsync(server, args, port).ConfigureAwait(false);
                ports.Add(port);
            }

            if (cluster)
            {
                var cli = FindOnPath("redis-cli") ?? throw new InvalidOperationException("redis-cli is not on PATH (Debian: apt-get install -y redis-tools).");
                var createArgs = new List<string> { "--cluster", "create" };
                createArgs.AddRange(ports.Select(p => $"127.0.0.1:{p}"));
                createArgs.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
                _ = await RunAsync(cli, createArgs).ConfigureAwait(false);
                foreach (var port in ports)
                {
                    await WaitForAsync(port, "CLUSTER INFO", "cluster_state:ok", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                }
            }

            launcher.Configuration = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
            launcher.Description = $"{version.Trim().Split(' ').FirstOrDefault(p => p.StartsWith("v=", StringComparison.Ordinal))?[2..] ?? "redis"} " +
                (cluster ? $"cluster of 3 masters on loopback ({launcher.Configuration}), started by the tool" : $"standalone on {launcher.Configuration}, started by the tool");
            log.WriteLine($"redis: {launcher.Description}");
            return launcher;
        }
        catch
        {
            await launcher.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, directory) in _servers)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
            }

            process.Dispose();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        _servers.Clear();
    }

    private async Task StartServerAsync(string executable, List<string> args, int port)
    {
        var directory = Directory.CreateTempSubdirectory("hck-loadtest-redis-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
        _servers.Add((process, directory));
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitForAsync(port, "PING", "+PONG", TimeSpan.FromSeconds(15)).ConfigureAwait(false);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends an inline command until the reply contains <paramref name="expected"/>.</summary>
    private static async Task WaitForAsync(int port, string command, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n")).ConfigureAwait(false);
                var buffer = new byte[4096];
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                if (Encoding.ASCII.GetString(buffer, 0, read).Contains(expected, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis on port {port} did not answer {command} with {expected} within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private static async Task<string> RunAsync(string executable, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(executable)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        return await stdout.ConfigureAwait(false);
    }
}
