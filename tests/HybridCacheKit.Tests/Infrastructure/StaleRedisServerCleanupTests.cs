using System.Diagnostics;
using System.Globalization;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class StaleRedisServerCleanupTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hybridcachekit-stale-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Run_ServerOfDeadOwner_KillsServerAndDeletesDirectory()
    {
        var owner = DeadPid();
        var directory = CreateServerDirectory("orphan", owner);
        using var redis = StartRedis(directory);

        StaleRedisServerCleanup.Run(_root);

        // On failure, say which of the cleanup's conditions did not hold (it failed once in a CI run, cause unknown).
        Assert.True(redis.WaitForExit(5000), $"redis-server (pid {redis.Id}, name '{ProcessName(redis)}') still runs; its owner pid {owner} is {(IsRunning(owner) ? "in use again" : "gone")}; the directory {(Directory.Exists(directory) ? "is still there" : "was deleted")}.");
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Run_ServerOfLiveOwner_LeavesItAlone()
    {
        var directory = CreateServerDirectory("owned", Environment.ProcessId);
        using var redis = StartRedis(directory);
        try
        {
            StaleRedisServerCleanup.Run(_root);

            Assert.False(redis.WaitForExit(300));
            Assert.True(Directory.Exists(directory));
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string CreateServerDirectory(string name, int ownerPid)
    {
        var directory = Path.Combine(_root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, StaleRedisServerCleanup.OwnerPidFile), ownerPid.ToString(CultureInfo.InvariantCulture));
        return directory;
    }

    private static Process StartRedis(string directory)
    {
        var startInfo = new ProcessStartInfo(RedisExecutable.Resolve()) { RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", TestPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--dir", directory })
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = Process.Start(startInfo)!;
        File.WriteAllText(Path.Combine(directory, StaleRedisServerCleanup.RedisPidFile), process.Id.ToString(CultureInfo.InvariantCulture));

        // The cleanup kills only a process named redis-server; right after the fork, on a loaded machine, the child can
        // still carry its parent's name until it has exec'd. Wait for that, as a real server left over from a run would be.
        var deadline = Stopwatch.StartNew();
        while (ProcessName(process) != "redis-server")
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"redis-server (pid {process.Id}) did not start");
            Thread.Sleep(10);
        }

        return process;
    }

    private static string? ProcessName(Process process)
    {
        try
        {
            process.Refresh();
            return process.HasExited ? null : process.ProcessName;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int DeadPid()
    {
        using var process = Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }
}
