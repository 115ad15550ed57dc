using System.Net;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Subscription supervision. One background loop per backplane: while not subscribed it retries every heartbeat interval
// (start-up succeeds while Redis is down); once subscribed it publishes a ping to its own channel every interval.
// The backplane reports "connected" only when a ping has come back through the subscription (so after a reconnect,
// OnReconnected means "and resubscribed": StackExchange.Redis resubscribes by itself, the echo proves it did).
// It reports "disconnected" when the subscription connection fails, or when no ping has come back within EchoTimeout of
// the first unanswered one, whether or not it could be published: a silently dead subscription, or a node cut off from
// Redis without its sockets failing (a partition), must not go on trusting its L1. Then it subscribes again, unless
// StackExchange.Redis will: the subscription connection of the server holding the subscription is known to be down (it
// resubscribes when that is restored), or no server can take a subscription at all. Pings are numbered, and echoes of
// pings sent before the last failure do not count.
// Connection events are kept per server: in a cluster StackExchange.Redis keeps a subscription connection to every node
// and subscribes on one of them, so a failure elsewhere says nothing about ours, and the connection of a master that
// was replaced by its replica is never restored (StackExchange.Redis moves the subscription to another node instead).
internal sealed partial class RedisBackplane
{
    private readonly Lock _gate = new();
    private readonly Dictionary<EndPoint, long> _subscriptionDownSince = [];
    private Task? _supervisor;
    private TaskCompletionSource _wake = NewWake();
    private bool _connected;
    private bool _subscribed;
    private long _pingSeq;
    private long _minValidSeq = 1;
    private long _outstandingSeq;
    private long _outstandingSince;
    private long _subscribeAttempts;

    /// <summary>The supervision loop, for tests.</summary>
    internal Task? Supervisor => _supervisor;

    /// <summary>How often this backplane has (re)subscribed by itself; resubscriptions after a reconnect that StackExchange.Redis does are not counted.</summary>
    internal long SubscribeAttempts => Interlocked.Read(ref _subscribeAttempts);

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task SuperviseAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await TickAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.SupervisionFailed(_logger, ex);
            }

            await WaitForNextTickAsync(token).ConfigureAwait(false);
        }
    }

    private async Task TickAsync(CancellationToken token)
    {
        if (!Volatile.Read(ref _subscribed) && !await TrySubscribeAsync(token).ConfigureAwait(false))
        {
            return;
        }

        if (EchoOverdue())
        {
            var (holder, subscribable) = SubscriptionServer();
            bool resubscribe;
            lock (_gate)
            {
                resubscribe = !LibraryWillResubscribeLocked(holder, subscribable);
                _subscribed = !resubscribe;
                ForgetPingsLocked();
                TransitionLocked(connected: false, "a heartbeat did not come back through the subscription");
            }

            if (resubscribe && !await TrySubscribeAsync(token).ConfigureAwait(false))
            {
                return;
            }
        }

        await SendPingAsync(token).ConfigureAwait(false);
    }

    private async Task WaitForNextTickAsync(CancellationToken token)
    {
        var wake = Volatile.Read(ref _wake);
        var delay = Timings.HeartbeatInterval;
        lock (_gate)
        {
            if (_outstandingSeq != 0)
            {
                // Wake exactly when the outstanding ping becomes overdue, so detection takes at most interval + timeout.
                var overdueIn = Timings.EchoTimeout - _time.GetElapsedTime(_outstandingSince);
                delay = overdueIn < delay ? (overdueIn > TimeSpan.Zero ? overdueIn : TimeSpan.Zero) : delay;
            }
        }

        try
        {
            await wake.Task.WaitAsync(delay, _time, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }

        Interlocked.CompareExchange(ref _wake, NewWake(), wake);
    }

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private async Task<bool> TrySubscribeAsync(CancellationToken token)
    {
        Interlocked.Increment(ref _subscribeAttempts);
        try
        {
            await _connection.ExecuteSubscriberAsync("backplane subscribe", this, static async (sub, self) =>
            {
                // An earlier attempt that timed out may still have registered the handler: remove it first, so that
                // it is never registered twice (StackExchange.Redis would call it twice per message).
                await sub.UnsubscribeAsync(self._channel, self._handler).ConfigureAwait(false);
                await sub.SubscribeAsync(self._channel, self._handler).ConfigureAwait(false);
                return true;
            }, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !(ex is OperationCanceledException && token.IsCancellationRequested))
        {
            Log.SubscribeFailed(_logger, Timings.HeartbeatInterval, ex.Message);
            return false;
        }

        lock (_gate)
        {
            _subscribed = true;
            ForgetPingsLocked();
        }

        return true;
    }

    private async Task SendPingAsync(CancellationToken token)
    {
        var seq = Interlocked.Increment(ref _pingSeq);
        lock (_gate)
        {
            // The clock runs from the first unanswered ping, published or not: not being able to publish proves nothing.
            if (_outstandingSeq == 0 && seq >= _minValidSeq)
            {
                _outstandingSeq = seq;
                _outstandingSince = _time.GetTimestamp();
            }
        }

        try
        {
            await PublishRawAsync("backplane heartbeat", BackplaneMessageCodec.Encode(WireKind.Ping, InstanceId, seq, string.Empty), token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !(ex is OperationCanceledException && token.IsCancellationRequested))
        {
            Log.HeartbeatFailed(_logger, ex.Message);
        }
    }

    /// <summary>
    /// Whether StackExchange.Redis can be left to resubscribe. When it holds our subscription on a server whose
    /// subscription connection failed and was not restored since, it resubscribes there once it is; but not beyond
    /// <see cref="LibraryResubscribePatience"/>, since a server can be gone for good (a killed cluster master whose replica
    /// took over) while the subscription still names it. When it holds it nowhere, either no server can take a
    /// subscription now (it subscribes again once one can: a lost standalone server is forgotten, then subscribed on
    /// again when it is back) or the subscription is simply gone, and then only subscribing again brings it back.
    /// </summary>
    private bool LibraryWillResubscribeLocked(EndPoint? holder, bool subscribable) =>
        holder is null
            ? !subscribable
            : _subscriptionDownSince.TryGetValue(holder, out var since) && _time.GetElapsedTime(since) < LibraryResubscribePatience;

    /// <summary>Longer than a restart or a cluster failover; after that the backplane subscribes again itself.</summary>
    private TimeSpan LibraryResubscribePatience => Timings.EchoTimeout * 15;

    /// <summary>
    /// The server StackExchange.Redis sent our SUBSCRIBE to (null when it holds no subscription of ours), and whether
    /// it could subscribe now (with no subscription of ours, whether some server's subscription connection is up).
    /// </summary>
    private (EndPoint? Holder, bool Subscribable) SubscriptionServer()
    {
        var subscriber = _connection.Multiplexer?.GetSubscriber();
        return subscriber is null ? (null, false) : (subscriber.SubscribedEndpoint(_channel), subscriber.IsConnected(_channel));
    }

    private bool EchoOverdue()
    {
        lock (_gate)
        {
            return _outstandingSeq != 0 && _time.GetElapsedTime(_outstandingSince) >= Timings.EchoTimeout;
        }
    }

    /// <summary>Called for each of our own pings that came back through the subscription.</summary>
    private void OnEcho(long seq)
    {
        lock (_gate)
        {
            if (seq < _minValidSeq || !_subscribed)
            {
                return;
            }

            if (seq >= _outstandingSeq)
            {
                // A later ping coming back proves delivery works now, even if an earlier one was lost.
                _outstandingSeq = 0;
            }

            TransitionLocked(connected: true, reason: null);
        }
    }

    private void OnConnectionChanged(ConnectionType type, EndPoint? endPoint, bool restored)
    {
        if (type != ConnectionType.Subscription || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        lock (_gate)
        {
            if (endPoint is not null)
            {
                if (restored)
                {
                    _subscriptionDownSince.Remove(endPoint);
                }
                else
                {
                    _subscriptionDownSince.TryAdd(endPoint, _time.GetTimestamp());
                }
            }

            // Any server's failure counts as ours: by the time the event arrives StackExchange.Redis may already have
            // moved our subscription off the failed server, so whether it held it (and messages were lost) is unknown.
            if (!restored)
            {
                ForgetPingsLocked();
                TransitionLocked(connected: false, "the subscription connection failed");
            }
        }

        // Restored: StackExchange.Redis resubscribes by itself; ping now so that the echo confirms it without waiting a tick.
        Wake();
    }

    private void ForgetPingsLocked()
    {
        _minValidSeq = Interlocked.Read(ref _pingSeq) + 1;
        _outstandingSeq = 0;
    }

    private void TransitionLocked(bool connected, string? reason)
    {
        if (_connected == connected || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        // Order matters to the engine, which trusts its tag state only while IsConnected: on a disconnect, stop being
        // trusted before the engine moves its epochs; on a reconnect, let it move them before trust resumes, so
        // nothing cached in between is mistaken for something cached while connected.
        if (!connected)
        {
            Volatile.Write(ref _connected, false);
        }

        try
        {
            if (connected)
            {
                Log.Connected(_logger);
                _listener?.OnReconnected();
            }
            else
            {
                Log.Disconnected(_logger, reason ?? "unknown");
                _listener?.OnDisconnected();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ListenerFailed(_logger, ex);
        }

        if (connected)
        {
            Volatile.Write(ref _connected, true);
        }
    }
}
