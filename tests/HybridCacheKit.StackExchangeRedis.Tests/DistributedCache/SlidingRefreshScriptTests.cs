using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// A read renews sliding expiration in the same round trip: the client sends one EVALSHA and the server runs HMGET and
/// EXPIRE inside it. Each test starts its own server so MONITOR and the command statistics see only this test.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class SlidingRefreshScriptTests : IAsyncLifetime
{
    private static readonly DistributedCacheEntryOptions Sliding = new() { SlidingExpiration = TimeSpan.FromMinutes(2) };
    private RedisServer _server = null!;
    private CacheHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _harness = CacheHarness.Create(_server);
    }

    public async Task DisposeAsync()
    {
        _harness.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GetAsync_Sliding_ClientSendsOneEvalShaAndServerRunsHmgetAndExpireInside()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
        Shorten("k", 5);
        using var monitor = await MonitorSession.StartAsync(_server.Host, _server.Port);

        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
        _harness.Raw.Execute("ECHO", "end-of-get");
        var lines = await monitor.ReadUntilAsync("end-of-get");

        var forKey = lines.Where(l => l.Contains(_harness.RedisKey("k"), StringComparison.Ordinal)).ToList();
        var fromClient = forKey.Where(l => !l.Contains(" lua]", StringComparison.Ordinal)).ToList();
        var fromScript = forKey.Where(l => l.Contains(" lua]", StringComparison.Ordinal)).ToList();
        Assert.Single(fromClient);
        Assert.Contains("\"EVALSHA\"", fromClient[0], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, fromScript.Count);
        Assert.Contains("\"HMGET\"", fromScript[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"EXPIRE\"", fromScript[1], StringComparison.OrdinalIgnoreCase);
        Assert.InRange(_harness.Pttl("k"), 118_000, 120_000);
    }

    [Fact]
    public async Task GetAsync_Sliding_CommandStatsShowOneScriptCallAndNoPlainReads()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
        ServerStats.Reset(_harness.Raw);

        Assert.Equal([1], await _harness.Cache.GetAsync("k"));

        var stats = ServerStats.CommandStats(_harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "evalsha"));
        Assert.Equal(0, ServerStats.Calls(stats, "eval"));
        Assert.Equal(1, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(1, ServerStats.Calls(stats, "expire"));
        Assert.True(_harness.Cache.UsesScripts);
    }

    [Fact]
    public async Task SetAsync_OneScript_HashFieldsAndExpireTogether()
    {
        await _harness.Cache.SetAsync("warm-up", [0], Sliding); // the first call loads the script (SCRIPT LOAD + EVAL)
        ServerStats.Reset(_harness.Raw);

        await _harness.Cache.SetAsync("k", [1], Sliding);

        var stats = ServerStats.CommandStats(_harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "evalsha"));
        Assert.Equal(0, ServerStats.Calls(stats, "multi"));
        Assert.Equal(0, ServerStats.Calls(stats, "exec"));
        Assert.Equal(1, ServerStats.Calls(stats, "hmset"));
        Assert.Equal(1, ServerStats.Calls(stats, "expire"));
        var fields = _harness.HashGetAll("k");
        Assert.Equal(-1, CacheHarness.Long(fields, "absexp"));
        Assert.Equal(Sliding.SlidingExpiration!.Value.Ticks, CacheHarness.Long(fields, "sldexp"));
        Assert.Equal([1], fields["data"]);
        Assert.InRange(_harness.Pttl("k"), 118_000, 120_000);
    }

    [Fact]
    public async Task SetAsync_WithoutExpirationOverAnExpiringEntry_ScriptPersistsTheKey()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);

        await _harness.Cache.SetAsync("k", [2], new DistributedCacheEntryOptions());

        Assert.Equal(-1, _harness.Pttl("k"));
        Assert.Equal([2], await _harness.Cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_ServerLostScriptCache_SendsScriptAgainAndWrites()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        CacheHarness.RawOk(_harness.Raw.Execute("SCRIPT", "FLUSH"));

        await _harness.Cache.SetAsync("k", [2], Sliding);

        Assert.Equal([2], await _harness.Cache.GetAsync("k"));
        Assert.True(_harness.Cache.UsesScripts);
        Assert.Single(_harness.Logs.WithEventId(2101));
    }

    [Fact]
    public async Task SetAsync_KeyHoldsAString_FailsWithWrongTypeAndLeavesItsTtl()
    {
        CacheHarness.RawOk(_harness.Raw.Execute("SET", _harness.RedisKey("k"), "not a hash", "EX", 30));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => _harness.Cache.SetAsync("k", [1], Sliding));

        Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
        Assert.InRange(_harness.Pttl("k"), 1, 30_000);
        Assert.Equal("not a hash", _harness.Raw.Execute("GET", _harness.RedisKey("k")).Text);
    }

    [Fact]
    public async Task GetAsync_ServerLostScriptCache_SendsScriptAgainAndStillRenews()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
        CacheHarness.RawOk(_harness.Raw.Execute("SCRIPT", "FLUSH"));
        Shorten("k", 5);

        Assert.Equal([1], await _harness.Cache.GetAsync("k"));

        Assert.InRange(_harness.Pttl("k"), 118_000, 120_000);
        Assert.True(_harness.Cache.UsesScripts);
        Assert.Single(_harness.Logs.WithEventId(2101));
        Assert.Equal([1], await _harness.Cache.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_ServerRestartedWithEmptyScriptCache_ReadsAgain()
    {
        await _harness.Cache.SetAsync("k", [1], Sliding);
        Assert.Equal([1], await _harness.Cache.GetAsync("k"));

        await _server.RestartAsync();
        using var raw = _server.CreateClient();
        raw.Execute("HSET", _harness.RedisKey("k"), "absexp", -1, "sldexp", TimeSpan.FromMinutes(2).Ticks, "data", new byte[] { 2 });
        var value = await ReadWhenReconnectedAsync("k");

        Assert.Equal([2], value);
        Assert.InRange(raw.Execute("PTTL", _harness.RedisKey("k")).Integer, 118_000, 120_000);
    }

    private async Task<byte[]?> ReadWhenReconnectedAsync(string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return await _harness.Cache.GetAsync(key).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (RedisCacheUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private void Shorten(string key, int seconds) => CacheHarness.RawOk(_harness.Raw.Execute("EXPIRE", _harness.RedisKey(key), seconds));
}
