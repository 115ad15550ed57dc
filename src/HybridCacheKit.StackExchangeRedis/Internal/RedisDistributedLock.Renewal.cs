using System.Collections.Concurrent;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Lease renewal. While an owner computes, its lock's expiry is pushed back to LockExpiry every LockExpiry / 3, only if
// the key still holds the owner's token (one script; without scripts a transaction conditioned on the token). So a
// factory slower than LockExpiry no longer lets another node start a second run, while a holder that dies stops renewing
// with its process and is taken over after LockExpiry, as before. Renewal stops on release, as soon as the lock turns
// out not to be ours any more, when the lock is disposed, and after MaxHoldExpiries × LockExpiry: a run that never
// ends must not keep the key locked for good (its waiters would otherwise wait LockWaitTimeout on every miss).
internal sealed partial class RedisDistributedLock
{
    /// <summary>How many lock lifetimes a renewed lock may be held at most.</summary>
    internal const int MaxHoldExpiries = 6;

    private const string RenewScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
        return 0
        """;

    private readonly ConcurrentDictionary<string, Renewal> _renewals = new(StringComparer.Ordinal);
    private TimeSpan? _maxHold;

    /// <summary>The longest a renewed lock is held: <see cref="MaxHoldExpiries"/> × LockExpiry (settable for tests).</summary>
    internal TimeSpan MaxHold
    {
        get => _maxHold ?? LockExpiry * MaxHoldExpiries;
        set => _maxHold = value;
    }

    /// <summary>Leases being renewed now, for tests.</summary>
    internal int ActiveRenewals => _renewals.Count;

    private void StartRenewal(string key, string token)
    {
        var period = LockExpiry / 3;
        var renewal = new Renewal(this, key, token, _connection.TimeProvider.GetTimestamp());

        // The timer exists (not yet started) before the renewal is registered, so whoever removes it can dispose it;
        // a Dispose that ran its StopAllRenewals just before the registration is caught by the check after it.
        renewal.Timer = _connection.TimeProvider.CreateTimer(static s => ((Renewal)s!).Tick(), renewal, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _renewals[token] = renewal;
        renewal.Timer.Change(period, period);
        if (Volatile.Read(ref _disposed) != 0)
        {
            StopRenewal(token);
        }
    }

    /// <summary>
    /// Stops renewing <paramref name="lease"/> without releasing it: what a process that dies leaves behind (a lock that
    /// expires after LockExpiry). For tests.
    /// </summary>
    internal void StopRenewing(HybridCacheKit.Distributed.HybridCacheLockLease lease) => StopRenewal(lease.OwnerToken ?? string.Empty);

    private void StopRenewal(string token)
    {
        if (_renewals.TryRemove(token, out var renewal))
        {
            renewal.Timer?.Dispose();
        }
    }

    private void StopAllRenewals()
    {
        foreach (var token in _renewals.Keys)
        {
            StopRenewal(token);
        }
    }

    /// <summary>Pushes the lock's expiry back if it is still ours. Returns false when it is not (or no longer exists).</summary>
    private async Task<bool> RenewAsync(string key, string token)
    {
        RedisKey lockKey = LockKey(key);
        var expiry = LockExpiry;
        if (UseScripts)
        {
            try
            {
                var reply = await _connection.EvaluateAsync("lock renew", RenewScript, lockKey, [token, (long)expiry.TotalMilliseconds], CancellationToken.None).ConfigureAwait(false);
                return (long)reply == 1;
            }
            catch (Exception ex) when (IsScriptRefused(ex))
            {
                RefuseScripts(ex);
            }
        }

        return await _connection.ExecuteAsync(
            "lock renew",
            (key: lockKey, token, expiry),
            static (db, s) =>
            {
                var transaction = db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(s.key, s.token));
                _ = transaction.KeyExpireAsync(s.key, s.expiry);
                return transaction.ExecuteAsync();
            },
            CancellationToken.None).ConfigureAwait(false);
    }

    private sealed class Renewal(RedisDistributedLock owner, string key, string token, long startedAt)
    {
        private int _running;

        public ITimer? Timer { get; set; }

        public void Tick()
        {
            // One renewal at a time: a tick that finds the previous one still waiting for Redis skips.
            if (Interlocked.Exchange(ref _running, 1) == 0)
            {
                _ = RunAsync();
            }
        }

        private async Task RunAsync()
        {
            try
            {
                var held = owner._connection.TimeProvider.GetElapsedTime(startedAt);
                if (held + owner.LockExpiry > owner.MaxHold)
                {
                    Log.RenewalLimitReached(owner._logger, owner.MaxHold);
                    owner.StopRenewal(token);
                    return;
                }

                if (!await owner.RenewAsync(key, token).ConfigureAwait(false))
                {
                    owner.StopRenewal(token);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Redis unreachable or the circuit open: try again at the next tick; the lock expires if it stays so.
                Log.RenewalFailed(owner._logger, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        }
    }
}
