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
                if (owner is null || IsAlive(owner.Value, processName: null))
                {
                    continue;
                }

                var redis = ReadPid(Path.Combine(directory, RedisPidFile));
                if (redis is not null && IsAlive(redis.Value, "redis-server"))
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

    private static bool IsAlive(int pid, string? processName)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && (processName is null || process.ProcessName == processName);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
