using HybridCacheKit.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Redis pub/sub backplane: one channel per <see cref="HybridCacheKitRedisOptions.InstanceName"/>
/// (<c>InstanceName + "__hck:backplane"</c>), versioned binary messages (<see cref="BackplaneMessageCodec"/>), a random id
/// per instance so a node ignores its own messages. Subscribing happens in the background and is supervised by a
/// heartbeat the node sends to itself on the same channel: the subscription counts as connected only once a heartbeat
/// has come back through it, and as lost when the connection reports a failure or a heartbeat does not come back.
/// See docs/backplane.md for the guarantee. Files: <c>.Supervision</c> (subscribe, heartbeat, state), <c>.Receive</c>, <c>.Log</c>.
/// </summary>
internal sealed partial class RedisBackplane : IHybridCacheBackplane, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RedisChannel _channel;
    private readonly Action<RedisChannel, RedisValue> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _outboxGate = new();
    private IHybridCacheBackplaneListener? _listener;
    private List<HybridCacheBackplaneMessage> _outbox = [];
    private TaskCompletionSource<bool>? _outboxSent;
    private bool _publishing;
    private long _publishes;
    private long _announcedWithWrites;
    private int _disposed;

    public RedisBackplane(RedisConnection connection, ILoggerFactory? loggerFactory = null)
        : this(connection, RedisBackplaneTimings.Default, loggerFactory)
    {
    }

    internal RedisBackplane(RedisConnection connection, RedisBackplaneTimings timings, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        Timings = timings;
        _time = connection.TimeProvider;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RedisBackplane>() ?? NullLogger.Instance;
        ChannelName = connection.KeyPrefix + "__hck:backplane";
        _channel = new RedisChannel(ChannelName, RedisChannel.PatternMode.Literal);
        ChannelValue = ChannelName;
        _handler = OnRedisMessage;
    }

    /// <summary>This instance's sender id: messages carrying it are its own and are ignored when they come back.</summary>
    internal Guid InstanceId { get; } = Guid.NewGuid();

    internal string ChannelName { get; }

    /// <summary><see cref="ChannelName"/> as a script argument, for writes that publish their own message (RedisDistributedCache.Announce.cs).</summary>
    internal RedisValue ChannelValue { get; }

    internal RedisBackplaneTimings Timings { get; }

    /// <summary>
    /// The most changes one batch frame holds (keys are at most MaximumKeyLength characters, so a frame stays well under
    /// a few megabytes); more queued changes go out in several PUBLISH commands, in order. Settable for tests.
    /// </summary>
    internal int MaxChangesPerPublish { get; set; } = 1024;

    internal RedisConnection Connection => _connection;

    /// <summary>Messages dropped because they were not well-formed version-1 messages (garbage, other versions, unknown kinds).</summary>
    internal long RejectedMessages => Interlocked.Read(ref _rejected);

    /// <summary><c>PUBLISH</c> commands of changes that Redis answered (one per change, one per batch, or one per write that carried its change).</summary>
    internal long Publishes => Interlocked.Read(ref _publishes);

    /// <summary>This instance's own change messages that came back and were ignored.</summary>
    internal long OwnMessagesIgnored => Interlocked.Read(ref _ownIgnored);

    /// <inheritdoc />
    public bool IsConnected => Volatile.Read(ref _connected);

    /// <summary>Whether a cache engine has subscribed this backplane (before that it is idle, not disconnected).</summary>
    internal bool IsStarted => Volatile.Read(ref _listener) is not null;

    /// <inheritdoc />
    public void Subscribe(IHybridCacheBackplaneListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
        {
            throw new InvalidOperationException("HybridCacheKit Redis backplane: Subscribe was already called; one backplane serves one cache engine.");
        }

        _connection.ConnectionChanged += OnConnectionChanged;
        _supervisor = Task.Run(SuperviseAsync);
    }

    /// <summary>
    /// Publishes a change. The caller's cancellation is deliberately not passed on: the change is already made in L2,
    /// and not announcing it would leave other nodes serving stale L1 copies. The wait is bounded by
    /// <see cref="HybridCacheKitRedisOptions.OperationTimeout"/> instead.
    /// </summary>
    /// <remarks>
    /// One <c>PUBLISH</c> is in flight at a time. Changes published meanwhile wait for it and then go together, as one
    /// batch frame (<see cref="BackplaneMessageCodec.EncodeBatch"/>), in the next <c>PUBLISH</c>: under load a node sends
    /// and every node receives one message per round trip instead of one per change, and a lone change still goes out at
    /// once, as a plain message. Each caller's task completes when the <c>PUBLISH</c> carrying its change has been
    /// answered (true) or has failed (false).
    /// </remarks>
    public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0 || !BackplaneMessageCodec.IsSendable(message))
        {
            return ValueTask.FromResult(false);
        }

        Task<bool> sent;
        lock (_outboxGate)
        {
            _outbox.Add(message);
            _outboxSent ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            sent = _outboxSent.Task;
            if (_publishing)
            {
                return new ValueTask<bool>(sent);
            }

            _publishing = true;
        }

        // This caller sends its own change (and any that join before the send starts), then whatever queued meanwhile.
        _ = DrainOutboxAsync();
        return new ValueTask<bool>(sent);
    }

    private async Task DrainOutboxAsync()
    {
        while (true)
        {
            List<HybridCacheBackplaneMessage> batch;
            TaskCompletionSource<bool> sent;
            lock (_outboxGate)
            {
                if (_outbox.Count == 0)
                {
                    _publishing = false;
                    return;
                }

                batch = _outbox;
                sent = _outboxSent!;
                _outbox = [];
                _outboxSent = null;
            }

            var ok = true;
            for (var start = 0; start < batch.Count; start += MaxChangesPerPublish)
            {
                ok &= await PublishChangesAsync(batch.GetRange(start, Math.Min(MaxChangesPerPublish, batch.Count - start))).ConfigureAwait(false);
            }

            sent.TrySetResult(ok);
        }
    }

    /// <summary>
    /// The bytes <see cref="PublishAsync"/> would send for <paramref name="message"/>, for a write that publishes it
    /// itself; <see langword="null"/> when <see cref="PublishAsync"/> would send nothing (disposed, or not a valid change).
    /// </summary>
    internal byte[]? EncodeAnnouncement(HybridCacheBackplaneMessage message)
        => Volatile.Read(ref _disposed) != 0 || !BackplaneMessageCodec.IsSendable(message)
            ? null
            : BackplaneMessageCodec.Encode(message, InstanceId);

    /// <summary>Counts a change a write published itself (see <see cref="EncodeAnnouncement"/>) in <see cref="Publishes"/>.</summary>
    internal void OnAnnounced()
    {
        Interlocked.Increment(ref _publishes);
        Interlocked.Increment(ref _announcedWithWrites);
    }

    /// <summary>Changes that went out inside the write that made them (also counted in <see cref="Publishes"/>).</summary>
    internal long AnnouncedWithWrites => Interlocked.Read(ref _announcedWithWrites);

    /// <summary>
    /// One PUBLISH: a plain message for one change, a batch frame for several. Never throws: the drain loop that calls it
    /// completes every waiting caller, so an exception here would leave them, and every later change, waiting for good.
    /// </summary>
    private async Task<bool> PublishChangesAsync(List<HybridCacheBackplaneMessage> changes)
    {
        try
        {
            var payload = changes.Count == 1 ? BackplaneMessageCodec.Encode(changes[0], InstanceId) : BackplaneMessageCodec.EncodeBatch(changes, InstanceId);
            await PublishRawAsync("backplane publish", payload, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _publishes);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.PublishFailed(_logger, ex, changes.Count == 1 ? changes[0].Kind.ToString() : $"batch of {changes.Count}");
            return false;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _connection.ConnectionChanged -= OnConnectionChanged;
        _stop.Cancel();
        _wake.TrySetResult();
        lock (_gate)
        {
            _connected = false;
        }

        // Best effort: the multiplexer may already be gone.
        try
        {
            _connection.Multiplexer?.GetSubscriber().Unsubscribe(_channel, _handler, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.UnsubscribeFailed(_logger, ex);
        }

        _stop.Dispose();
    }

    private Task<long> PublishRawAsync(string operation, byte[] payload, CancellationToken cancellationToken)
        => _connection.ExecuteSubscriberAsync(operation, (channel: _channel, payload), static (sub, s) => sub.PublishAsync(s.channel, s.payload), cancellationToken);
}

/// <summary>Heartbeat settings of the backplane (internal: the defaults fit; tests shorten them).</summary>
/// <param name="HeartbeatInterval">How often the backplane pings itself (and retries subscribing while not subscribed).</param>
/// <param name="EchoTimeout">A published ping not back within this long means the subscription is silently dead.</param>
internal sealed record RedisBackplaneTimings(TimeSpan HeartbeatInterval, TimeSpan EchoTimeout)
{
    public static RedisBackplaneTimings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
}
