using HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>
/// A change and its backplane message are one command: what the client sends for SetAsync, RemoveAsync and
/// RemoveByTagAsync is a single EVALSHA, and the PUBLISH runs inside it (MONITOR tags it <c>lua</c>). Each test starts
/// its own server so MONITOR sees only this test. The cross-node effect of these messages is tested in
/// CrossNodeInvalidationSuite, on a standalone server and on a cluster.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class AnnouncedWriteTests : IAsyncLifetime
{
    private const string Key = "announced-key-5c1e";
    private RedisServer _server = null!;
    private CacheNodes _nodes = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _nodes = await CacheNodes.StartAsync(1, _server.ConfigurationString);

        // The first call of each script loads it (EVAL, then EVALSHA from then on).
        await _nodes[0].Cache.SetAsync("warm-up", "w");
        await _nodes[0].Cache.RemoveAsync("warm-up");
    }

    public async Task DisposeAsync()
    {
        await _nodes.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SetAsync_ClientSendsOneEvalShaAndThePublishRunsInsideIt()
    {
        var lines = await MonitorAsync(() => _nodes[0].Cache.SetAsync(Key, "v").AsTask());

        var (fromClient, fromScript) = Split(lines);
        Assert.Contains("\"EVALSHA\"", Assert.Single(fromClient), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, fromScript.Count);
        Assert.Contains("\"HMSET\"", fromScript[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"EXPIRE\"", fromScript[1], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"PUBLISH\"", fromScript[2], StringComparison.OrdinalIgnoreCase);
        Assert.Contains(_nodes[0].RedisBackplane.ChannelName, fromScript[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveAsync_ClientSendsOneEvalShaAndThePublishRunsInsideIt()
    {
        await _nodes[0].Cache.SetAsync(Key, "v");

        var lines = await MonitorAsync(() => _nodes[0].Cache.RemoveAsync(Key).AsTask());

        var (fromClient, fromScript) = Split(lines);
        Assert.Contains("\"EVALSHA\"", Assert.Single(fromClient), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, fromScript.Count);
        Assert.Contains("\"DEL\"", fromScript[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"PUBLISH\"", fromScript[1], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RemoveByTagAsync_TagRecordAndItsPublishAreOneCommand()
    {
        var lines = await MonitorAsync(() => _nodes[0].Cache.RemoveByTagAsync(Key).AsTask());

        // One read of the record first (it only rises: the higher stamp is kept), then one command writes and publishes.
        var (fromClient, fromScript) = Split(lines);
        Assert.Equal(2, fromClient.Count);
        Assert.Contains("\"HMGET\"", fromClient[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"EVALSHA\"", fromClient[1], StringComparison.OrdinalIgnoreCase);
        Assert.Contains(fromScript, l => l.Contains("\"HMSET\"", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("\"PUBLISH\"", fromScript[^1], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Every command the server ran for <see cref="Key"/> while <paramref name="action"/> ran.</summary>
    private async Task<List<string>> MonitorAsync(Func<Task> action)
    {
        using var monitor = await MonitorSession.StartAsync(_server.Host, _server.Port);
        await action();
        using (var raw = _server.CreateClient())
        {
            raw.Execute("ECHO", "end-of-action");
        }

        var lines = await monitor.ReadUntilAsync("end-of-action");

        // The key is in the entry's name and in the message's subject; heartbeats and other traffic never carry it.
        return lines.Where(l => l.Contains(Key, StringComparison.Ordinal)).ToList();
    }

    private static (List<string> FromClient, List<string> FromScript) Split(List<string> lines)
        => (lines.Where(l => !l.Contains(" lua]", StringComparison.Ordinal)).ToList(), lines.Where(l => l.Contains(" lua]", StringComparison.Ordinal)).ToList());
}
