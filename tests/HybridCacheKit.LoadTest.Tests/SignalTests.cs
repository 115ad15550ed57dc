using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace HybridCacheKit.LoadTest.Tests;

/// <summary>
/// SIGTERM in the middle of a run: the tool stops its child, stops the redis-server it started (three with --cluster),
/// removes their temporary directories and writes a report of what finished, within a bound — nothing is leaked.
/// </summary>
public sealed partial class SignalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_Sigterm_StopsTheChildAndItsRedisAndRemovesTheDirectories(bool cluster)
    {
        var output = ToolProcess.NewOutputDirectory();
        var start = new ProcessStartInfo(ToolProcess.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--mode", "engine,raw", "--workers", "20", "--keys", "500", "--warmup", "120", "--duration", "60", "--out", output, .. cluster ? ["--cluster"] : Array.Empty<string>()])
        {
            start.ArgumentList.Add(arg);
        }

        using var tool = Process.Start(start)!;
        var lines = new List<string>();
        var warmingUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = PumpAsync(tool.StandardOutput);
        _ = PumpAsync(tool.StandardError);
        List<ProcInfo> descendants = [];
        try
        {
            // The engine child is running its warm-up against the tool's Redis.
            await warmingUp.Task.WaitAsync(TimeSpan.FromSeconds(120));
            string redisLine;
            lock (lines)
            {
                redisLine = lines.First(l => l.StartsWith("redis: ", StringComparison.Ordinal));
            }

            var ports = PortPattern().Matches(redisLine).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToArray();
            descendants = Descendants(tool.Id);
            var servers = descendants.Where(p => p.IsRedisServer).ToArray();
            var directories = servers.Select(p => p.WorkingDirectory).ToArray();
            Assert.Equal(cluster ? 3 : 1, ports.Length);
            Assert.Equal(cluster ? 3 : 1, servers.Length);
            Assert.All(directories, d => Assert.Contains("hck-loadtest-redis-", d, StringComparison.Ordinal));
            Assert.Contains(descendants, p => !p.IsRedisServer && p.CommandLine.Contains("--child engine", StringComparison.Ordinal));

            Signal(tool.Id, "TERM");
            await tool.WaitForExitAsync().WaitAsync(Bound);

            Assert.Equal(143, tool.ExitCode);
            foreach (var process in descendants)
            {
                Assert.False(process.IsAlive(), $"still running after the tool exited: {process.CommandLine}");
            }

            foreach (var port in ports)
            {
                Assert.False(Accepts(port), $"redis port {port} still accepts connections");
            }

            foreach (var directory in directories)
            {
                Assert.False(Directory.Exists(directory), $"{directory} was left behind");
            }

            var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"));
            Assert.Contains("interrupted by SIGINT/SIGTERM", report);
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }

            // When the test fails, what the tool leaked is ended here, by the ids recorded above.
            foreach (var process in descendants.Where(p => p.IsAlive()))
            {
                using var leaked = Process.GetProcessById(process.Id);
                leaked.Kill();
                if (process.IsRedisServer && Directory.Exists(process.WorkingDirectory))
                {
                    leaked.WaitForExit(TimeSpan.FromSeconds(10));
                    Directory.Delete(process.WorkingDirectory, recursive: true);
                }
            }
        }

        async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                if (line.StartsWith("[engine] warm-up", StringComparison.Ordinal))
                {
                    warmingUp.TrySetResult();
                }
            }
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Every process below <paramref name="root"/>, from /proc (the parent id and start time of each).</summary>
    private static List<ProcInfo> Descendants(int root)
    {
        var all = new List<ProcInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ProcInfo.Read(pid) is { } info)
            {
                all.Add(info);
            }
        }

        var found = new List<ProcInfo>();
        var parents = new HashSet<int> { root };
        for (var added = true; added;)
        {
            added = false;
            foreach (var p in all)
            {
                if (parents.Contains(p.ParentId) && parents.Add(p.Id))
                {
                    found.Add(p);
                    added = true;
                }
            }
        }

        return found;
    }

    [GeneratedRegex(@"127\.0\.0\.1:(\d+)")]
    private static partial Regex PortPattern();

    private sealed record ProcInfo(int Id, int ParentId, string StartTime, string CommandLine, string WorkingDirectory)
    {
        public bool IsRedisServer => CommandLine.StartsWith("redis-server", StringComparison.Ordinal) || CommandLine.Contains("/redis-server", StringComparison.Ordinal);

        public static ProcInfo? Read(int pid)
        {
            try
            {
                var (parent, startTime, state) = Stat(pid);
                if (state == "Z")
                {
                    return null;
                }

                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
                var cwd = new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(returnFinalTarget: false)?.FullName ?? string.Empty;
                return new ProcInfo(pid, parent, startTime, commandLine, cwd);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null; // exited while being read
            }
        }

        /// <summary>Still this process (same start time) and not a zombie waiting for a reaper.</summary>
        public bool IsAlive()
        {
            try
            {
                var (_, startTime, state) = Stat(Id);
                return startTime == StartTime && state != "Z";
            }
            catch (IOException)
            {
                return false;
            }
        }

        private static (int Parent, string StartTime, string State) Stat(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[19], fields[0]);
        }
    }
}
