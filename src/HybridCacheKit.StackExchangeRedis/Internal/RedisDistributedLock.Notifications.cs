using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Release announcements on InstanceName + "__hck:locks": a versioned message (BackplaneMessageCodec, kind LockReleased,
// subject = the cache key). The channel is subscribed before the first acquire attempt, and the subscription counts only
// once a ping this lock publishes on the channel has come back through it (StackExchange.Redis can report a subscription
// as done while its connection is still being established, and a release announced then would be lost). Until then
// (or if it fails; it is retried at most once per second) waiters cannot be woken, so a lock held elsewhere is reported
// with a RetryAfter of at most UnconfirmedRetryAfter: the engine then polls L2 at that pace, bounded by its wait
// timeout, instead of sleeping until the lock expires. StackExchange.Redis resubscribes by itself after a reconnect.
internal sealed partial class RedisDistributedLock
{
    /// <summary>The longest RetryAfter while release announcements cannot be received.</summary>
    internal static readonly TimeSpan UnconfirmedRetryAfter = TimeSpan.FromMilliseconds(500);

    private const int SubscriptionChecks = 4;
    private static readonly TimeSpan s_subscribeRetryInterval = TimeSpan.FromSeconds(1);

    private readonly RedisChannel _notificationChannel;
    private readonly Action<RedisChannel, RedisValue> _notificationHandler;
    private readonly Guid _instanceId = Guid.NewGuid();
    private readonly Lock _subscribeGate = new();
    private Task<bool>? _subscribing;
    private long _subscribeFailedAt;
    private long _pingSeq;
    private long _expectedEcho;
    private TaskCompletionSource? _echo;
    private long _rejected;

    /// <summary>Messages on the lock channel that were not well-formed release announcements or this lock's own pings.</summary>
    internal long RejectedNotifications => Interlocked.Read(ref _rejected);

    /// <summary>Whether this lock's subscription to release announcements has been proven by a ping coming back.</summary>
    internal bool NotificationsConfirmed => Volatile.Read(ref _subscribing) is { IsCompletedSuccessfully: true, Result: true };

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
            // Confirming the subscription can take several round trips (a subscribe, then up to SubscriptionChecks
            // pings each waited for OperationTimeout). A caller waits one OperationTimeout at most, then goes on
            // unconfirmed (its waits poll, see CapRetryAfter) while the confirmation carries on in the background.
            try
            {
                await subscribing.WaitAsync(_connection.Options.OperationTimeout, _connection.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private async Task<bool> SubscribeAsync()
    {
        try
        {
            await _connection.ExecuteSubscriberAsync("lock subscribe", this, static async (sub, self) =>
            {
                // An earlier attempt may still have the handler registered: never register it twice, and make
                // StackExchange.Redis send SUBSCRIBE afresh.
                await sub.UnsubscribeAsync(self._notificationChannel, self._notificationHandler).ConfigureAwait(false);
                await sub.SubscribeAsync(self._notificationChannel, self._notificationHandler).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);

            for (var check = 0; check < SubscriptionChecks; check++)
            {
                var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var seq = Interlocked.Increment(ref _pingSeq);
                lock (_subscribeGate)
                {
                    _expectedEcho = seq;
                    _echo = echo;
                }

                var ping = BackplaneMessageCodec.Encode(WireKind.Ping, _instanceId, seq, string.Empty);
                await _connection.ExecuteSubscriberAsync("lock subscribe check", (channel: _notificationChannel, ping), static (sub, s) => sub.PublishAsync(s.channel, s.ping), CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await echo.Task.WaitAsync(_connection.Options.OperationTimeout, _connection.TimeProvider).ConfigureAwait(false);
                    return true;
                }
                catch (TimeoutException)
                {
                    // The subscription may still be on its way to the server: ping again.
                }
            }

            throw new TimeoutException($"no ping came back through the subscription within {SubscriptionChecks} × {_connection.Options.OperationTimeout}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _subscribeFailedAt = _connection.TimeProvider.GetTimestamp();
            Log.SubscribeFailed(_logger, ex.Message);
            return false;
        }
    }

    private TimeSpan CapRetryAfter(TimeSpan retryAfter)
        => NotificationsConfirmed || retryAfter <= UnconfirmedRetryAfter ? retryAfter : UnconfirmedRetryAfter;

    private byte[] ReleaseAnnouncement(string key)
        => BackplaneMessageCodec.Encode(WireKind.LockReleased, _instanceId, _connection.TimeProvider.GetUtcNow().UtcTicks, key);

    private async ValueTask AnnounceReleaseAsync(string key)
    {
        var payload = ReleaseAnnouncement(key);
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
            // Queued past the breaker instead (see .Abandon).
            Log.AnnounceFailed(_logger, ex.Message);
            AnnounceFireAndForget(key);
        }
    }

    private void OnNotification(RedisChannel channel, RedisValue value)
    {
        try
        {
            byte[]? bytes = value;
            if (BackplaneMessageCodec.TryDecode(bytes, out var message) != DecodeStatus.Ok)
            {
                Interlocked.Increment(ref _rejected);
            }
            else if (message.Kind == WireKind.LockReleased)
            {
                _waiters.Complete(message.Subject);
            }
            else if (message.Kind == WireKind.Ping && message.Sender == _instanceId)
            {
                lock (_subscribeGate)
                {
                    if (message.Stamp == _expectedEcho)
                    {
                        _echo?.TrySetResult();
                    }
                }
            }
            else if (message.Kind != WireKind.Ping)
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
