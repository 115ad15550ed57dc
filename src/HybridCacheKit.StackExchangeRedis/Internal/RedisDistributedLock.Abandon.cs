using System.Net;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Locks and announcements that must not be lost to an outage. Waiters on other nodes sleep until a release is announced
// (or the lock expires, 10 s by default), so a release or announcement that fails must still happen once Redis answers:
// - A timed-out acquire is ambiguous: against a frozen or paused server the SET NX PX stays queued in the socket and
//   takes the lock when the server continues, for a caller that has already given up and runs its factory locally.
// - A release or announcement that times out or is refused by the open circuit breaker leaves the waiters asleep.
// In both cases an owner-only delete and an announcement are queued fire-and-forget on the multiplexer, past the
// breaker, right behind whatever was sent before on the same connection (StackExchange.Redis keeps a connection's order):
// a frozen server runs them as soon as it continues. Deleting with a token we own, and announcing a release, are always
// harmless. When the connection itself is gone (a crash), nothing can be sent; waiters are then woken by the connection
// failure instead (see OnConnectionChanged), try again, find the lock unavailable, and compute locally.
internal sealed partial class RedisDistributedLock
{
    private void OnConnectionChanged(ConnectionType type, EndPoint? endPoint, bool restored)
    {
        if (!restored)
        {
            _waiters.CompleteAll();
        }
    }

    private void AnnounceFireAndForget(string key)
    {
        try
        {
            _connection.Multiplexer?.GetSubscriber().Publish(_notificationChannel, ReleaseAnnouncement(key), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AnnounceFailed(_logger, ex.Message);
        }
    }

    private void ReleaseFireAndForget(string key, string token)
    {
        if (_connection.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            var db = multiplexer.GetDatabase();
            RedisKey lockKey = LockKey(key);
            if (UseScripts)
            {
                db.ScriptEvaluate(ReleaseScript, [lockKey], [token], CommandFlags.FireAndForget);
            }
            else
            {
                var transaction = db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(lockKey, token));
                _ = transaction.KeyDeleteAsync(lockKey);
                _ = transaction.Execute(CommandFlags.FireAndForget);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No connection at all: the acquire cannot have been sent either (or the lock expires on its own).
            Log.ReleaseFailed(_logger, ex.Message);
        }

        AnnounceFireAndForget(key);
    }
}
