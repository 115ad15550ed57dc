using System.Diagnostics;
using System.Globalization;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// Kills redis-server processes left behind by test hosts that died without disposing them
/// (crash, hang-timeout kill, debugger stop). Each server directory records its owner's pid;
/// a directory whose owner is gone is reclaimed. Best effort: errors are ignored.
/// </summary>
internal static class StaleRedisServerCleanup
{
    public const string OwnerPidFile = "owner.pid";
    public const string RedisPidFile = "redis.pid";

    private static int s_done;

    /// <summary>Cleans <paramref name="root"/> the first time any server of this process starts.</summary>
    public static void RunOnce(string root)
    {
        if (Interlocked.Exchange(ref s_done, 1) == 0)
        {
            Run(root);
        }
    }

    public static void Run(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            try
            {
                var owner = ReadPid(Path.Combine(directory, OwnerPidFile));
                if (owner is null || IsAlive(owner.Value, hasName: null))
                {
                    continue;
                }

                var redis = ReadPid(Path.Combine(directory, RedisPidFile));
                if (redis is not null && IsAlive(redis.Value, IsRedisServerName))
                {
                    using var process = Process.GetProcessById(redis.Value);
                    process.Kill();
                    process.WaitForExit(5000);
                }

                Directory.Delete(directory, recursive: true);
            }
#pragma warning disable CA1031 // Cleanup of other runs' leftovers must never fail this run.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private static int? ReadPid(string path) =>
        File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;

    /// <summary>
    /// Whether a process name is a redis-server's. A running server retitles itself (proc-title-template, by default
    /// "redis-server 127.0.0.1:6379"), and .NET reports that title as the process name on Linux; only the moment after
    /// exec shows the bare "redis-server". Both must match, or the cleanup would spare every server that got going.
    /// </summary>
    internal static bool IsRedisServerName(string name)
        => name == "redis-server" || name.StartsWith("redis-server ", StringComparison.Ordinal);

    private static bool IsAlive(int pid, Func<string, bool>? hasName)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && (hasName is null || hasName(process.ProcessName));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
