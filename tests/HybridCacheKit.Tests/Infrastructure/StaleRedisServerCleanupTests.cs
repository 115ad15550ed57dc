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

        // On failure, say which of the cleanup's conditions did not hold.
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

    [Theory]
    [InlineData("redis-server", true)]
    [InlineData("redis-server 127.0.0.1:6379", true)]
    [InlineData("redis-server *:6379", true)]
    [InlineData("redis-server-wrapper", false)]
    [InlineData("redis-cli", false)]
    [InlineData("dotnet", false)]
    public void IsRedisServerName_MatchesTheBareNameAndTheRunningTitleOnly(string name, bool expected)
        => Assert.Equal(expected, StaleRedisServerCleanup.IsRedisServerName(name));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string CreateServerDirectory(string name, int ownerPid)
    {
        var directory = Path.Combine(_root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, StaleRedisServerCleanup.OwnerPidFile), ownerPid.ToString(CultureInfo.InvariantCulture));
        return directory;
    }

    private static Process StartRedis(string directory)
    {
        var port = TestPorts.GetFreeTcpPort();
        var startInfo = new ProcessStartInfo(RedisExecutable.Resolve()) { RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--dir", directory })
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = Process.Start(startInfo)!;
        File.WriteAllText(Path.Combine(directory, StaleRedisServerCleanup.RedisPidFile), process.Id.ToString(CultureInfo.InvariantCulture));

        // A server left over from a run is serving and has retitled itself ("redis-server 127.0.0.1:PORT", which .NET
        // reports as its process name); right after the fork it still carries its parent's name, then the bare
        // "redis-server". Wait for the state a real leftover is in: accepting connections, under its title.
        var deadline = Stopwatch.StartNew();
        while (!(AcceptsConnections(port) && ProcessName(process) is { } name && name.StartsWith("redis-server ", StringComparison.Ordinal)))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"redis-server (pid {process.Id}, name '{ProcessName(process)}') did not start serving");
            Thread.Sleep(10);
        }

        return process;
    }

    private static bool AcceptsConnections(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
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
