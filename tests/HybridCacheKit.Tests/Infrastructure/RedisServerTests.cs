using System.Globalization;
using System.Net.Sockets;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class RedisServerTests
{
    [Fact]
    public async Task StartAsync_Default_AnswersPingOnLoopbackPort()
    {
        await using var server = await RedisServer.StartAsync();
        using var client = server.CreateClient();

        var reply = client.Execute("PING");

        Assert.Equal(RespReplyKind.SimpleString, reply.Kind);
        Assert.Equal("PONG", reply.Text);
        Assert.Equal("127.0.0.1", server.Host);
        Assert.Equal($"127.0.0.1:{server.Port}", server.ConfigurationString);
        Assert.True(server.IsRunning);
    }

    [Fact]
    public async Task StartAsync_Default_WritesPidFileOfItsProcess()
    {
        await using var server = await RedisServer.StartAsync();

        var pid = int.Parse((await File.ReadAllTextAsync(server.PidFile)).Trim(), CultureInfo.InvariantCulture);

        Assert.Equal(server.ProcessId, pid);
        Assert.StartsWith(Path.GetTempPath(), server.DataDirectory, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_Default_DisablesPersistenceAndBindsLoopback()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await server.CreateClientAsync();

        Assert.Equal(string.Empty, (await client.ExecuteAsync("CONFIG", "GET", "save")).Items![1].Text);
        Assert.Equal("no", (await client.ExecuteAsync("CONFIG", "GET", "appendonly")).Items![1].Text);
        Assert.Equal("127.0.0.1", (await client.ExecuteAsync("CONFIG", "GET", "bind")).Items![1].Text);
        Assert.Equal(server.DataDirectory, (await client.ExecuteAsync("CONFIG", "GET", "dir")).Items![1].Text);
    }

    [Fact]
    public async Task StartAsync_ExtraArgs_AppliedWithPortPlaceholderReplaced()
    {
        await using var server = await RedisServer.StartAsync(["--maxmemory", "1mb", "--replica-announce-port", "{port}"]);
        await using var client = await server.CreateClientAsync();

        var maxMemory = await client.ExecuteAsync("CONFIG", "GET", "maxmemory");
        var announcePort = await client.ExecuteAsync("CONFIG", "GET", "replica-announce-port");

        Assert.Equal("1048576", maxMemory.Items![1].Text);
        Assert.Equal(server.Port.ToString(CultureInfo.InvariantCulture), announcePort.Items![1].Text);
    }

    [Fact]
    public async Task StartAsync_InvalidExtraArg_ThrowsWithServerOutput()
    {
        var ex = await Assert.ThrowsAsync<RedisStartupException>(
            () => RedisServer.StartAsync(["--no-such-directive", "yes"]));

        Assert.Contains("exited during startup", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-directive", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.PortInUse);
    }

    [Fact]
    public void Resolve_RedisServerNotOnPath_ThrowsWithInstallInstructions()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => RedisExecutable.Resolve("/nonexistent-a:/nonexistent-b"));

        Assert.Contains("apt-get install -y redis-server", ex.Message, StringComparison.Ordinal);
        Assert.Contains("./test.sh", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_RedisServerOnPath_ReturnsItsFullPath()
    {
        var path = RedisExecutable.Resolve("/nonexistent-a:/usr/bin:/usr/local/bin");

        Assert.EndsWith("/redis-server", path, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Kill_RunningServer_DropsDataAndRestartServesSamePort()
    {
        await using var server = await RedisServer.StartAsync();
        var port = server.Port;
        var pid = server.ProcessId!.Value;
        using (var client = server.CreateClient())
        {
            Assert.Equal("OK", client.Execute("SET", "k", "v").Text);
            server.Kill();

            Assert.ThrowsAny<IOException>(() => client.Execute("GET", "k"));
        }

        Assert.False(server.IsRunning);
        Assert.False(ProcessProbe.IsAlive(pid));
        Assert.Throws<SocketException>(() => server.CreateClient());

        server.Restart();

        using var restarted = server.CreateClient();
        Assert.Equal(port, server.Port);
        Assert.NotEqual(pid, server.ProcessId);
        Assert.Equal("PONG", restarted.Execute("PING").Text);
        Assert.True(restarted.Execute("GET", "k").IsNull);
    }

    [Fact]
    public async Task RestartAsync_RunningServer_StartsNewProcessOnSamePort()
    {
        await using var server = await RedisServer.StartAsync();
        var pid = server.ProcessId!.Value;

        await server.RestartAsync();

        await using var client = await server.CreateClientAsync();
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
        Assert.NotEqual(pid, server.ProcessId);
        Assert.False(ProcessProbe.IsAlive(pid));
    }

    [Fact]
    public async Task Stop_RunningServer_ShutsDownGracefully()
    {
        await using var server = await RedisServer.StartAsync();
        var pid = server.ProcessId!.Value;

        server.Stop();

        Assert.False(server.IsRunning);
        Assert.False(ProcessProbe.IsAlive(pid));
        Assert.Contains("ready to exit", server.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_RunningServer_CommandTimesOutAndResumeRecovers()
    {
        await using var server = await RedisServer.StartAsync();
        using var client = server.CreateClient(TimeSpan.FromMilliseconds(300));
        Assert.Equal("PONG", client.Execute("PING").Text);

        server.Pause();

        Assert.True(server.IsPaused);
        Assert.Throws<TimeoutException>(() => client.Execute("PING"));
        Assert.Throws<InvalidOperationException>(() => client.Execute("PING"));

        server.Resume();

        Assert.False(server.IsPaused);
        using var fresh = server.CreateClient(TimeSpan.FromSeconds(5));
        Assert.Equal("PONG", fresh.Execute("PING").Text);
    }

    [Fact]
    public async Task Pause_RunningServer_AsyncCommandTimesOutAndResumeRecovers()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await server.CreateClientAsync(TimeSpan.FromMilliseconds(300));

        server.Pause();
        await Assert.ThrowsAsync<TimeoutException>(() => client.ExecuteAsync("PING"));
        server.Resume();

        await using var fresh = await server.CreateClientAsync();
        Assert.Equal("PONG", (await fresh.ExecuteAsync("PING")).Text);
    }

    [Fact]
    public async Task Stop_PausedServer_StillExits()
    {
        await using var server = await RedisServer.StartAsync();
        var pid = server.ProcessId!.Value;
        server.Pause();

        server.Stop();

        Assert.False(ProcessProbe.IsAlive(pid));
        Assert.False(server.IsPaused);
    }

    [Fact]
    public async Task DisposeAsync_RunningServer_LeavesNoProcessOrDirectory()
    {
        var server = await RedisServer.StartAsync();
        var pid = server.ProcessId!.Value;
        Assert.True(ProcessProbe.IsAlive(pid));

        await server.DisposeAsync();

        Assert.False(ProcessProbe.IsAlive(pid));
        Assert.False(Directory.Exists(server.DataDirectory));
        Assert.Throws<ObjectDisposedException>(() => server.Restart());
    }

    [Fact]
    public async Task DisposeAsync_PausedServer_LeavesNoProcess()
    {
        var server = await RedisServer.StartAsync();
        var pid = server.ProcessId!.Value;
        server.Pause();

        await server.DisposeAsync();

        Assert.False(ProcessProbe.IsAlive(pid));
        Assert.False(Directory.Exists(server.DataDirectory));
    }

    [Fact]
    public async Task StartAsync_TwoServers_UseDifferentPortsAndDirectories()
    {
        await using var first = await RedisServer.StartAsync();
        await using var second = await RedisServer.StartAsync();

        Assert.NotEqual(first.Port, second.Port);
        Assert.NotEqual(first.DataDirectory, second.DataDirectory);
    }
}
