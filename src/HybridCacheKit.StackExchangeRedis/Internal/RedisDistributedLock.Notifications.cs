using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Release announcements on InstanceName + "__hck:locks": a versioned message (BackplaneMessageCodec, kind LockReleased,
// subject = the cache key). The channel is subscribed before the first acquire attempt (bounded by the operation
// timeout; if it fails, waits fall back to the lock's expiry, bounded by RetryAfter, and subscribing is retried at
// most once per second). StackExchange.Redis resubscribes by itself after a reconnect.
internal sealed partial class RedisDistributedLock
{
    private static readonly TimeSpan s_subscribeRetryInterval = TimeSpan.FromSeconds(1);

    private readonly RedisChannel _notificationChannel;
    private readonly Action<RedisChannel, RedisValue> _notificationHandler;
    private readonly Guid _instanceId = Guid.NewGuid();
    private readonly Lock _subscribeGate = new();
    private Task<bool>? _subscribing;
    private long _subscribeFailedAt;
    private long _rejected;

    /// <summary>Messages on the lock channel that were not well-formed release announcements.</summary>
    internal long RejectedNotifications => Interlocked.Read(ref _rejected);

    private async ValueTask EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        var subscribing = Volatile.Read(ref _subscribing);
        if (subscribing is { IsCompletedSuccessfully: true, Result: true })
        {
            return;
        }

        lock (_subscribeGate)
        {
            subscribing = _subscribing;
            if (subscribing is null
                || (subscribing is { IsCompleted: true } && (subscribing.IsFaulted || subscribing.IsCanceled || !subscribing.Result)
                    && _connection.TimeProvider.GetElapsedTime(_subscribeFailedAt) >= s_subscribeRetryInterval))
            {
                subscribing = _subscribing = SubscribeAsync();
            }
        }

        if (!subscribing.IsCompleted)
        {
            await subscribing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> SubscribeAsync()
    {
        try
        {
            await _connection.ExecuteSubscriberAsync("lock subscribe", this, static async (sub, self) =>
            {
                // An earlier attempt that timed out may still have registered the handler: never register it twice.
                await sub.UnsubscribeAsync(self._notificationChannel, self._notificationHandler).ConfigureAwait(false);
                await sub.SubscribeAsync(self._notificationChannel, self._notificationHandler).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _subscribeFailedAt = _connection.TimeProvider.GetTimestamp();
            Log.SubscribeFailed(_logger, ex.Message);
            return false;
        }
    }

    private async ValueTask AnnounceReleaseAsync(string key)
    {
        var payload = BackplaneMessageCodec.Encode(WireKind.LockReleased, _instanceId, _connection.TimeProvider.GetUtcNow().UtcTicks, key);
        try
        {
            await _connection.ExecuteSubscriberAsync(
                "lock release announcement",
                (channel: _notificationChannel, payload),
                static (sub, s) => sub.PublishAsync(s.channel, s.payload),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Waiters of other nodes fall back to the lock's expiry (they hold RetryAfter).
            Log.AnnounceFailed(_logger, ex.Message);
        }
    }

    private void OnNotification(RedisChannel channel, RedisValue value)
    {
        try
        {
            byte[]? bytes = value;
            if (BackplaneMessageCodec.TryDecode(bytes, out var message) == DecodeStatus.Ok && message.Kind == WireKind.LockReleased)
            {
                _waiters.Complete(message.Subject);
            }
            else
            {
                Interlocked.Increment(ref _rejected);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.NotificationFailed(_logger, ex);
        }
    }
}
