using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Logging;
using HybridCacheLockLease = HybridCacheKit.Distributed.HybridCacheLockLease;

namespace HybridCacheKit.StackExchangeRedis.Tests.Stampede;

/// <summary>The distributed lock on its own, against the shared server. Each test runs with and without Lua scripts.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisDistributedLockTests(RedisServerFixture redis) : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly List<IDisposable> _disposables = [];
    private readonly string _instanceName = $"hck-lock-{Guid.NewGuid():N}:";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TryAcquireAsync_FreeKey_AcquiresWithTokenAndExpiry(bool scripts)
    {
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        using var raw = redis.Server.CreateClient();

        var lease = await lockA.TryAcquireAsync("k", CancellationToken.None);

        Assert.True(lease.IsAcquired);
        Assert.False(string.IsNullOrEmpty(lease.OwnerToken));
        Assert.Equal(lease.OwnerToken, raw.Execute("GET", _instanceName + "__hck:lock:k").Text);
        Assert.InRange(raw.Execute("PTTL", _instanceName + "__hck:lock:k").Integer, 1, 30_000);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TryAcquireAsync_HeldByOtherNode_ReturnsHeldElsewhereWithRetryAfter(bool scripts)
    {
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var (lockB, _) = Create(scripts);
        Assert.True((await lockA.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);

        var lease = await lockB.TryAcquireAsync("k", CancellationToken.None);

        Assert.False(lease.IsAcquired);
        Assert.False(lease.IsUnavailable);
        Assert.InRange(lease.RetryAfter, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
        Assert.False(lease.Released.IsCompleted);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReleaseAsync_ByOwner_DeletesLockAndWakesOtherNodesWaiter(bool scripts)
    {
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var (lockB, _) = Create(scripts);
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        var waiting = await lockB.TryAcquireAsync("k", CancellationToken.None);
        Assert.False(waiting.Released.IsCompleted);

        Assert.True(lockB.NotificationsConfirmed);
        Assert.InRange(waiting.RetryAfter, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));

        await lockA.ReleaseAsync(held, CancellationToken.None);

        // Woken by the announcement long before the lock's 30 s expiry (the clean-up timer fires 1 s after that).
        await waiting.Released.WaitAsync(s_wait);
        Assert.True((await lockB.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);
        Assert.Equal(0, lockB.Waiters.Count);
    }

    [Fact]
    public async Task ReleaseAsync_WithScripts_DeletesAndAnnouncesInOneCommand()
    {
        var (lockA, _) = Create(scripts: true, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var (lockB, _) = Create(scripts: true);
        var warmUp = await lockA.TryAcquireAsync("warm-up", CancellationToken.None);
        await lockA.ReleaseAsync(warmUp, CancellationToken.None); // loads the scripts (SCRIPT LOAD / EVAL)
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        var waiting = await lockB.TryAcquireAsync("k", CancellationToken.None);
        await using var monitor = await RedisMonitor.StartAsync(redis.Server);

        await lockA.ReleaseAsync(held, CancellationToken.None);
        await waiting.Released.WaitAsync(s_wait);

        var ours = (await monitor.NextBatchAsync()).Where(e => e.Line.Contains(_instanceName, StringComparison.Ordinal)).ToList();
        var sent = ours.Where(e => !e.FromScript).Select(e => e.Command).ToList();
        Assert.Equal(["evalsha"], sent);
        Assert.Equal(["get", "del", "publish"], ours.Where(e => e.FromScript).Select(e => e.Command).ToList());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReleaseAsync_ForeignToken_DoesNotReleaseOwnersLock(bool scripts)
    {
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var (lockB, _) = Create(scripts);
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        using var raw = redis.Server.CreateClient();

        Assert.False(await lockB.ReleaseCoreAsync(lockB.LockKey("k"), "not-the-owner", CancellationToken.None));
        await lockB.ReleaseAsync(HybridCacheLockLease.Acquired("k", "forged-token"), CancellationToken.None);

        Assert.Equal(held.OwnerToken, raw.Execute("GET", _instanceName + "__hck:lock:k").Text);
        Assert.False((await lockB.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);
        Assert.True(await lockA.ReleaseCoreAsync(lockA.LockKey("k"), held.OwnerToken!, CancellationToken.None));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReleaseAsync_AfterLockExpiredAndWasRetaken_LeavesNewOwnersLock(bool scripts)
    {
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromMilliseconds(200));
        var (lockB, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var stale = await lockA.TryAcquireAsync("k", CancellationToken.None);
        lockA.StopRenewing(stale); // as if A had stalled past its lock's lifetime
        HybridCacheLockLease retaken = null!;
        await Eventually.TrueAsync(async () => (retaken = await lockB.TryAcquireAsync("k", CancellationToken.None)).IsAcquired, s_wait, "B never took over");

        await lockA.ReleaseAsync(stale, CancellationToken.None);

        using var raw = redis.Server.CreateClient();
        Assert.Equal(retaken.OwnerToken, raw.Execute("GET", _instanceName + "__hck:lock:k").Text);
    }

    [Fact]
    public async Task TryAcquireAsync_OwnerNeverReleases_WaiterTakesOverAfterExpiry()
    {
        // A 2 s lifetime, and B's first call (which waits for its subscription to be confirmed) made before A takes
        // the lock: with 300 ms, a loaded CI machine once let A's lock expire before B's first attempt, so B got it.
        var (lockA, _) = Create(scripts: true, o => o.LockExpiry = TimeSpan.FromSeconds(2));
        var (lockB, _) = Create(scripts: true);
        var warm = await lockB.TryAcquireAsync("warm-up", CancellationToken.None);
        Assert.True(warm.IsAcquired);
        await lockB.ReleaseAsync(warm, CancellationToken.None);
        var orphan = await lockA.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(orphan.IsAcquired);
        lockA.StopRenewing(orphan); // A "dies": nothing renews its lock any more

        var lease = await lockB.TryAcquireAsync("k", CancellationToken.None);
        Assert.False(lease.IsAcquired);
        await Task.Delay(lease.RetryAfter + TimeSpan.FromMilliseconds(50));

        Assert.True((await lockB.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);
    }

    [Fact]
    public async Task TryAcquireAsync_NoServer_ReturnsUnavailableWithoutThrowing()
    {
        var port = TestPorts.GetFreeTcpPort();
        var (lockA, _) = Create(scripts: true, o =>
        {
            o.Configuration = $"127.0.0.1:{port},connectTimeout=200";
            o.OperationTimeout = TimeSpan.FromMilliseconds(200);
        });

        var lease = await lockA.TryAcquireAsync("k", CancellationToken.None).AsTask().WaitAsync(s_wait);
        await lockA.ReleaseAsync(HybridCacheLockLease.Acquired("k", "t"), CancellationToken.None).AsTask().WaitAsync(s_wait);

        Assert.Same(HybridCacheLockLease.Unavailable, lease);
        Assert.Equal(0, lockA.Waiters.Count);
    }

    [Fact]
    public async Task TryAcquireAsync_EvalForbiddenByAcl_FallsBackToPlainCommands()
    {
        // StackExchange.Redis 1.2.6 cannot log in as a named ACL user, so restrict the default user of an own server.
        await using var server = await RedisServer.StartAsync();
        using var raw = server.CreateClient();
        Assert.Equal("OK", raw.Execute("ACL", "SETUSER", "default", "on", "resetpass", ">pw", "~*", "&*", "+@all", "-eval", "-evalsha", "-script").Text);
        Assert.Equal("OK", raw.Execute("AUTH", "pw").Text);
        var (lockA, logs) = Create(scripts: true, o => o.Configuration = $"{server.ConfigurationString},password=pw");
        var (lockB, _) = Create(scripts: true, o => o.Configuration = $"{server.ConfigurationString},password=pw");

        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        var waiting = await lockB.TryAcquireAsync("k", CancellationToken.None);
        Assert.InRange(waiting.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        await lockA.ReleaseAsync(held, CancellationToken.None);
        await waiting.Released.WaitAsync(s_wait);

        Assert.True(held.IsAcquired);
        Assert.False(waiting.IsAcquired);
        Assert.True(lockA.ScriptsRefused);
        Assert.Contains("NOPERM", Assert.Single(logs.WithEventId(2252)).Message, StringComparison.Ordinal);
        Assert.Equal(0, raw.Execute("EXISTS", _instanceName + "__hck:lock:k").Integer);
    }

    [Fact]
    public async Task TryAcquireAsync_ReleaseBetweenFailedAttemptAndWait_WaiterAlreadyWoken()
    {
        var (lockA, _) = Create(scripts: true, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var (lockB, _) = Create(scripts: true);
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        var waiting = await lockB.TryAcquireAsync("k", CancellationToken.None);

        Assert.True(lockB.NotificationsConfirmed);

        // The engine awaits Released only after TryAcquireAsync returned; a release announced in between must not be lost.
        await lockA.ReleaseAsync(held, CancellationToken.None);
        await Eventually.TrueAsync(() => waiting.Released.IsCompleted, s_wait, "the release was lost");

        Assert.Equal(0, lockB.Waiters.Count);
    }

    [Fact]
    public async Task TryAcquireAsync_AnnouncementsCannotBeReceived_RetryAfterCappedSoWaitersPoll()
    {
        // An ACL without pub/sub channels: locks work, release announcements cannot be sent or received.
        await using var server = await RedisServer.StartAsync();
        using var raw = server.CreateClient();
        Assert.Equal("OK", raw.Execute("ACL", "SETUSER", "default", "resetchannels").Text);
        var (lockA, _) = Create(scripts: true, o =>
        {
            o.Configuration = server.ConfigurationString;
            o.LockExpiry = TimeSpan.FromSeconds(30);
        });
        var (lockB, logs) = Create(scripts: true, o => o.Configuration = server.ConfigurationString);
        Assert.True((await lockA.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);

        var waiting = await lockB.TryAcquireAsync("k", CancellationToken.None);

        Assert.False(waiting.IsAcquired);
        Assert.False(lockB.NotificationsConfirmed);
        Assert.Equal(RedisDistributedLock.UnconfirmedRetryAfter, waiting.RetryAfter);
        Assert.Contains("NOPERM", Assert.Single(logs.WithEventId(2254)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAndRelease_ServerLostItsScripts_SendTheScriptsAgain()
    {
        // After a restart, a failover to a replica or SCRIPT FLUSH, Redis answers the known hashes with NOSCRIPT.
        // Acquiring must not fail (the caller would run its factory beside another node's run), and releasing must not
        // fail (the lock would stay held, and other nodes' waiters wait, until it expires).
        var (lockA, logs) = Create(scripts: true, o => o.LockExpiry = TimeSpan.FromSeconds(30));
        var (lockB, _) = Create(scripts: true);
        using var raw = redis.Server.CreateClient();
        var warmUp = await lockA.TryAcquireAsync("warm-up", CancellationToken.None);
        await lockA.ReleaseAsync(warmUp, CancellationToken.None); // the client now sends these scripts by hash

        raw.Execute("SCRIPT", "FLUSH");
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(held.IsAcquired);
        Assert.Equal(held.OwnerToken, raw.Execute("GET", _instanceName + "__hck:lock:k").Text);
        var waiting = await lockB.TryAcquireAsync("k", CancellationToken.None);
        Assert.False(waiting.IsAcquired);

        raw.Execute("SCRIPT", "FLUSH");
        await lockA.ReleaseAsync(held, CancellationToken.None);

        Assert.Equal(0, raw.Execute("EXISTS", _instanceName + "__hck:lock:k").Integer);
        await waiting.Released.WaitAsync(s_wait); // the release announcement went out with the script
        Assert.False(lockA.ScriptsRefused);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Renewal_WhileTheOwnerComputes_KeepsTheLockPastItsExpiryAndStopsOnRelease(bool scripts)
    {
        // A 2 s lifetime renewed every 667 ms: long enough that a starved thread pool on a busy test machine does not let
        // it lapse between two renewals.
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromSeconds(2));
        var (lockB, _) = Create(scripts);
        using var raw = redis.Server.CreateClient();
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(held.IsAcquired);

        // More than two lifetimes later the lock is still A's: B cannot take it.
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        Assert.Equal(held.OwnerToken, raw.Execute("GET", _instanceName + "__hck:lock:k").Text);
        Assert.False((await lockB.TryAcquireAsync("k", CancellationToken.None)).IsAcquired);

        await lockA.ReleaseAsync(held, CancellationToken.None);
        Assert.Equal(0, lockA.ActiveRenewals);
        Assert.Equal(0, raw.Execute("EXISTS", _instanceName + "__hck:lock:k").Integer);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Renewal_LockNoLongerTheOwners_IsNotExtendedAndRenewalStops(bool scripts)
    {
        var (lockA, _) = Create(scripts, o => o.LockExpiry = TimeSpan.FromMilliseconds(600));
        using var raw = redis.Server.CreateClient();
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(held.IsAcquired);

        // Someone else's lock now (A's expired while it stalled and another node took it, say), for 500 ms.
        Assert.Equal("OK", raw.Execute("SET", _instanceName + "__hck:lock:k", "someone-else", "PX", "500").Text);

        await Eventually.TrueAsync(() => lockA.ActiveRenewals == 0, s_wait, "A kept renewing a lock that is not its own");
        await Eventually.TrueAsync(() => raw.Execute("EXISTS", _instanceName + "__hck:lock:k").Integer == 0, s_wait, "the other owner's lock was extended");
    }

    [Fact]
    public async Task Renewal_RunNeverEnds_StopsAfterTheHoldLimitAndTheLockExpires()
    {
        // A 2 s lifetime renewed every 667 ms (so a starved thread pool cannot let it lapse before the limit), and a hold
        // limit of 4.5 s instead of 6 lifetimes: renewed at 0.7, 1.3 and 2 s, not at 2.7 s (2.7 + 2 > 4.5), expired at 4 s.
        var expiry = TimeSpan.FromSeconds(2);
        var (lockA, logs) = Create(scripts: true, o => o.LockExpiry = expiry);
        lockA.MaxHold = TimeSpan.FromSeconds(4.5);
        using var raw = redis.Server.CreateClient();
        var held = await lockA.TryAcquireAsync("k", CancellationToken.None);
        Assert.True(held.IsAcquired);

        await Eventually.TrueAsync(() => lockA.ActiveRenewals == 0, s_wait, "the lock was renewed without limit");
        await Eventually.TrueAsync(() => raw.Execute("EXISTS", _instanceName + "__hck:lock:k").Integer == 0, s_wait, "the lock did not expire after its renewal stopped");

        Assert.Single(logs.WithEventId(2258));
    }

    [Fact]
    public async Task LockKeyAndChannel_FollowInstanceName()
    {
        var (lockA, _) = Create(scripts: true);

        Assert.Equal(_instanceName + "__hck:lock:k", lockA.LockKey("k"));
        Assert.Equal(_instanceName + "__hck:locks", lockA.NotificationChannelName);
        Assert.Equal(TimeSpan.FromSeconds(10), lockA.WaitTimeout);
        await Task.CompletedTask;
    }

    public void Dispose()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            _disposables[i].Dispose();
        }
    }

    private (RedisDistributedLock Lock, CapturingLoggerProvider Logs) Create(bool scripts, Action<HybridCacheKitRedisOptions>? configure = null)
    {
        var options = new HybridCacheKitRedisOptions
        {
            Configuration = redis.ConfigurationString,
            InstanceName = _instanceName,
            OperationTimeout = TimeSpan.FromSeconds(5),
            UseScripts = scripts,
        };
        configure?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var connection = new RedisConnection(options, TimeProvider.System, loggerFactory);
        var distributedLock = new RedisDistributedLock(connection, loggerFactory);
        _disposables.Add(loggerFactory);
        _disposables.Add(connection);
        _disposables.Add(distributedLock);
        return (distributedLock, logs);
    }
}
