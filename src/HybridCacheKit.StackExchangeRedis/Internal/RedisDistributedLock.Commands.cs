using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// The lock's Redis commands. With scripts (the default), acquiring costs one round trip: SET NX PX, or on failure the
// remaining PTTL, in one Lua call; releasing is a compare-and-delete in Lua that also publishes the release announcement
// (one round trip instead of two). When the server refuses scripts (an ACL
// without EVAL/EVALSHA, or EVAL renamed away), the lock switches to plain commands for good: SET NX PX then PTTL and GET (the holder), and
// a WATCH/MULTI transaction conditioned on the token (Condition.StringEqual). Each script touches one key, so both
// paths work on Redis Cluster.
internal sealed partial class RedisDistributedLock
{
    // -3 is never a PTTL reply (-2: no key, -1: no expiry), so it can mean "acquired".
    private const long AcquiredMarker = -3;

    // Held elsewhere: the remaining PTTL and the holder's token, so that waiters can tell when the lock changes hands.
    private const string AcquireScript = """
        if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {-3} end
        return {redis.call('pttl', KEYS[1]), redis.call('get', KEYS[1])}
        """;

    private const string ReleaseScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
        return 0
        """;

    // ARGV[2], ARGV[3]: the notification channel and the announcement. The announcement goes out whether or not the lock
    // was still ours (see ReleaseAsync). A channel is not a key, so the script still touches one hash slot.
    private const string ReleaseAndAnnounceScript = """
        local released = 0
        if redis.call('get', KEYS[1]) == ARGV[1] then released = redis.call('del', KEYS[1]) end
        redis.call('publish', ARGV[2], ARGV[3])
        return released
        """;

    // When the remaining time of a held lock cannot be told (plain commands: the key vanished, or has no expiry).
    private static readonly TimeSpan s_unknownRetryAfter = TimeSpan.FromMilliseconds(100);

    private int _scriptsRefused;

    internal bool ScriptsRefused => Volatile.Read(ref _scriptsRefused) != 0;

    private bool UseScripts => _connection.Options.UseScripts && !ScriptsRefused;

    private async Task<(bool Acquired, TimeSpan RetryAfter, string? Holder)> AcquireCoreAsync(string lockKey, string token, CancellationToken cancellationToken)
    {
        var expiry = LockExpiry;
        if (UseScripts)
        {
            try
            {
                var reply = await _connection.EvaluateAsync("lock acquire", AcquireScript, lockKey, [token, (long)expiry.TotalMilliseconds], cancellationToken).ConfigureAwait(false);
                var parts = (RedisResult[])reply!;
                var pttl = (long)parts[0];
                var holder = parts.Length > 1 ? (string?)parts[1] : null;
                return pttl switch
                {
                    AcquiredMarker => (true, TimeSpan.Zero, null),
                    -2 => (false, TimeSpan.Zero, null), // released or expired in between: try again at once
                    -1 => (false, expiry, holder), // not a lock we wrote (no expiry): give it our full expiry
                    _ => (false, TimeSpan.FromMilliseconds(Math.Max(0, pttl)), holder),
                };
            }
            catch (Exception ex) when (IsScriptRefused(ex))
            {
                RefuseScripts(ex);
            }
        }

        var set = await _connection.ExecuteAsync(
            "lock acquire",
            (key: (RedisKey)lockKey, token, expiry),
            static (db, s) => db.StringSetAsync(s.key, s.token, s.expiry, When.NotExists),
            cancellationToken).ConfigureAwait(false);
        if (set)
        {
            return (true, TimeSpan.Zero, null);
        }

        var ttl = await _connection.ExecuteAsync("lock ttl", (RedisKey)lockKey, static (db, key) => db.KeyTimeToLiveAsync(key), cancellationToken).ConfigureAwait(false);
        var current = await _connection.ExecuteAsync("lock holder", (RedisKey)lockKey, static (db, key) => db.StringGetAsync(key), cancellationToken).ConfigureAwait(false);
        return (false, ttl is { } remaining && remaining > TimeSpan.Zero ? remaining : s_unknownRetryAfter, (string?)current);
    }

    /// <summary>Deletes the lock if <paramref name="token"/> still owns it. Returns whether it did.</summary>
    internal async Task<bool> ReleaseCoreAsync(string lockKey, string token, CancellationToken cancellationToken)
        => (await ReleaseCoreAsync(lockKey, token, announcement: null, cancellationToken).ConfigureAwait(false)).Released;

    /// <summary>
    /// Deletes the lock if <paramref name="token"/> still owns it and, with scripts, publishes
    /// <paramref name="announcement"/> in the same call. Returns whether it deleted the lock and whether it announced.
    /// </summary>
    private async Task<(bool Released, bool Announced)> ReleaseCoreAsync(string lockKey, string token, byte[]? announcement, CancellationToken cancellationToken)
    {
        if (UseScripts)
        {
            try
            {
                var reply = announcement is null
                    ? await _connection.EvaluateAsync("lock release", ReleaseScript, lockKey, [token], cancellationToken).ConfigureAwait(false)
                    : await _connection.EvaluateAsync("lock release", ReleaseAndAnnounceScript, lockKey, [token, NotificationChannelName, announcement], cancellationToken).ConfigureAwait(false);
                return ((long)reply == 1, announcement is not null);
            }
            catch (Exception ex) when (IsScriptRefused(ex))
            {
                RefuseScripts(ex);
            }
        }

        return (await ReleaseWithTransactionAsync(lockKey, token, cancellationToken).ConfigureAwait(false), false);
    }

    private Task<bool> ReleaseWithTransactionAsync(string lockKey, string token, CancellationToken cancellationToken)
        => _connection.ExecuteAsync(
            "lock release",
            (key: (RedisKey)lockKey, token),
            static (db, s) =>
            {
                var transaction = db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(s.key, s.token));
                _ = transaction.KeyDeleteAsync(s.key);
                return transaction.ExecuteAsync();
            },
            cancellationToken);

    /// <summary>
    /// An ACL without EVAL/EVALSHA ("NOPERM ... the 'evalsha' command"), EVAL renamed away ("ERR unknown command 'EVAL'"),
    /// or EVAL disabled in the client's command map. A NOPERM about keys is not about scripting: plain commands would fail too.
    /// </summary>
    internal static bool IsScriptRefused(Exception ex) => ex switch
    {
        RedisServerException server => (server.Message.StartsWith("NOPERM", StringComparison.Ordinal)
                                        || server.Message.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase))
                                       && server.Message.Contains("'eval", StringComparison.OrdinalIgnoreCase),
        RedisCommandException command => command.Message.Contains("EVAL", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private void RefuseScripts(Exception ex)
    {
        if (Interlocked.Exchange(ref _scriptsRefused, 1) == 0)
        {
            Log.ScriptsRefused(_logger, ex.Message);
        }
    }
}
