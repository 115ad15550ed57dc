using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// When the server refuses scripts (an ACL without EVAL/EVALSHA, renamed commands) or scripts are turned off, reads
/// still renew sliding expiration, with HMGET then EXPIRE, and stop trying scripts after the first refusal.
/// StackExchange.Redis 1.2.6 cannot log in with an ACL user name (only <c>password=</c>, which authenticates the
/// <c>default</c> user), so these tests restrict the <c>default</c> user of their own server.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class ScriptFallbackTests : IAsyncLifetime
{
    private const string Password = "hck-acl-test";
    private static readonly DistributedCacheEntryOptions Sliding = new() { SlidingExpiration = TimeSpan.FromMinutes(2) };
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetAsync_AclDeniesScripts_FallsBackAndStillRenewsTtl()
    {
        using (var admin = _server.CreateClient())
        {
            CacheHarness.RawOk(admin.Execute("ACL", "SETUSER", "default", "on", "resetpass", ">" + Password, "~*", "&*", "+@all", "-eval", "-evalsha", "-script"));
        }

        using var harness = CacheHarness.Create(_server, password: Password);
        await harness.Cache.SetAsync("k", [1], Sliding);
        Shorten(harness, "k", 5);

        Assert.Equal([1], await harness.Cache.GetAsync("k"));

        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
        Assert.False(harness.Cache.UsesScripts);
        var refused = Assert.Single(harness.Logs.WithEventId(2100));
        Assert.Contains("NOPERM", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.RedisKey("k"), refused.FullText, StringComparison.Ordinal);
    }

    [Fact]
    public void SyncMethods_AclDeniesScripts_FallBackAndStillRenewTtl()
    {
        using (var admin = _server.CreateClient())
        {
            CacheHarness.RawOk(admin.Execute("ACL", "SETUSER", "default", "-eval", "-evalsha"));
        }

        using var harness = CacheHarness.Create(_server);

        // Set: the script is refused, the entry is written with MULTI/EXEC in the same layout, with its TTL.
        harness.Cache.Set("k", [1], Sliding);
        Assert.False(harness.Cache.UsesScripts);
        Assert.Equal(["absexp", "data", "sldexp"], harness.HashGetAll("k").Keys.Order(StringComparer.Ordinal));
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);

        ServerStats.Reset(harness.Raw);
        Shorten(harness, "k", 5);
        Assert.Equal([1], harness.Cache.Get("k"));
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
        Shorten(harness, "k", 5);
        harness.Cache.Refresh("k");
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
        Shorten(harness, "k", 5);
        Assert.True(harness.Cache.TryGet("k", new System.Buffers.ArrayBufferWriter<byte>()));
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.Equal(0, ServerStats.Calls(stats, "evalsha") + ServerStats.Rejected(stats, "evalsha"));
        Assert.Equal(3, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(6, ServerStats.Calls(stats, "expire")); // Three from Shorten, three renewals.
        Assert.Single(harness.Logs.WithEventId(2100));
    }

    [Fact]
    public async Task GetAsync_AfterAclRefusal_NeverTriesScriptsAgain()
    {
        using (var admin = _server.CreateClient())
        {
            CacheHarness.RawOk(admin.Execute("ACL", "SETUSER", "default", "-eval", "-evalsha"));
        }

        using var harness = CacheHarness.Create(_server);
        await harness.Cache.SetAsync("k", [1], Sliding);
        Assert.Equal([1], await harness.Cache.GetAsync("k"));
        Shorten(harness, "k", 5);
        ServerStats.Reset(harness.Raw);

        Assert.Equal([1], await harness.Cache.GetAsync("k"));
        await harness.Cache.RefreshAsync("k");

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.Equal(0, ServerStats.Calls(stats, "eval") + ServerStats.Rejected(stats, "eval"));
        Assert.Equal(0, ServerStats.Calls(stats, "evalsha") + ServerStats.Rejected(stats, "evalsha"));
        Assert.Equal(2, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(2, ServerStats.Calls(stats, "expire"));
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
        Assert.Single(harness.Logs.WithEventId(2100));
    }

    [Fact]
    public async Task GetAsync_ConcurrentReadsRefused_AllSucceedAndRefusalLoggedOnce()
    {
        using (var admin = _server.CreateClient())
        {
            CacheHarness.RawOk(admin.Execute("ACL", "SETUSER", "default", "-eval", "-evalsha"));
        }

        using var harness = CacheHarness.Create(_server);
        await harness.Cache.SetAsync("k", [1], Sliding);

        var reads = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => harness.Cache.GetAsync("k"))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(reads, r => Assert.Equal([1], r));
        Assert.Single(harness.Logs.WithEventId(2100));
    }

    [Fact]
    public async Task GetAsync_UseScriptsFalse_SendsNoScriptAndRenewsWithTwoCommands()
    {
        using var harness = CacheHarness.Create(_server, configure: o => o.UseScripts = false);
        await harness.Cache.SetAsync("k", [1], Sliding);
        Shorten(harness, "k", 5);
        ServerStats.Reset(harness.Raw);

        Assert.Equal([1], await harness.Cache.GetAsync("k"));

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.False(stats.ContainsKey("eval"));
        Assert.False(stats.ContainsKey("evalsha"));
        Assert.False(stats.ContainsKey("script|load"));
        Assert.Equal(1, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(1, ServerStats.Calls(stats, "expire"));
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
        Assert.Empty(harness.Logs.WithEventId(2100));
    }

    [Fact]
    public async Task GetAsync_UseScriptsFalseAbsoluteOnly_OneHmgetAndNoExpire()
    {
        using var harness = CacheHarness.Create(_server, configure: o => o.UseScripts = false);
        await harness.Cache.SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2) });
        ServerStats.Reset(harness.Raw);

        Assert.Equal([1], await harness.Cache.GetAsync("k"));

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "hmget"));
        Assert.Equal(0, ServerStats.Calls(stats, "expire"));
    }

    [Fact]
    public async Task GetAsync_ScriptCommandsRenamedAway_FallsBackAndRenews()
    {
        await using var server = await RedisServer.StartAsync(["--rename-command", "EVAL", string.Empty, "--rename-command", "EVALSHA", string.Empty]);
        using var harness = CacheHarness.Create(server);
        await harness.Cache.SetAsync("k", [1], Sliding);
        Shorten(harness, "k", 5);

        Assert.Equal([1], await harness.Cache.GetAsync("k"));

        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
        Assert.False(harness.Cache.UsesScripts);
        var refused = Assert.Single(harness.Logs.WithEventId(2100));
        Assert.DoesNotContain(harness.RedisKey("k"), refused.FullText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAsync_AclDeniesScripts_WritesWithOneTransactionAndLogsOnce()
    {
        using (var admin = _server.CreateClient())
        {
            CacheHarness.RawOk(admin.Execute("ACL", "SETUSER", "default", "-eval", "-evalsha"));
        }

        using var harness = CacheHarness.Create(_server);
        await harness.Cache.SetAsync("a", [1], Sliding);
        ServerStats.Reset(harness.Raw);

        await harness.Cache.SetAsync("b", [2], Sliding);

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.Equal(1, ServerStats.Calls(stats, "multi"));
        Assert.Equal(1, ServerStats.Calls(stats, "hmset"));
        Assert.Equal(1, ServerStats.Calls(stats, "expire"));
        Assert.Equal(1, ServerStats.Calls(stats, "exec"));
        Assert.Equal([1], await harness.Cache.GetAsync("a"));
        Assert.Equal([2], await harness.Cache.GetAsync("b"));
        Assert.InRange(harness.Pttl("a"), 118_000, 120_000);
        Assert.False(harness.Cache.UsesScripts);
        Assert.Single(harness.Logs.WithEventId(2100));
    }

    [Fact]
    public async Task SetAsync_UseScriptsFalse_OneTransactionAndNoScript()
    {
        using var harness = CacheHarness.Create(_server, configure: o => o.UseScripts = false);
        ServerStats.Reset(harness.Raw);

        await harness.Cache.SetAsync("k", [1], Sliding);

        var stats = ServerStats.CommandStats(harness.Raw);
        Assert.False(stats.ContainsKey("eval"));
        Assert.False(stats.ContainsKey("evalsha"));
        Assert.Equal(1, ServerStats.Calls(stats, "multi"));
        Assert.Equal(1, ServerStats.Calls(stats, "exec"));
        Assert.InRange(harness.Pttl("k"), 118_000, 120_000);
    }

    private static void Shorten(CacheHarness harness, string key, int seconds) => CacheHarness.RawOk(harness.Raw.Execute("EXPIRE", harness.RedisKey(key), seconds));
}
