using HybridCacheKit.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Cross-node stampede protection. The lock of cache key <c>k</c> is the Redis string <c>InstanceName + "__hck:lock:" + k</c>
/// holding a random owner token, taken with <c>SET NX PX LockExpiry</c> (so a dead owner's lock expires), renewed while its
/// owner computes (<c>.Renewal</c>), and released only by its owner (compare-and-delete). A release is announced on <c>InstanceName + "__hck:locks"</c>; this process's waiters of
/// the key are registered before each acquire attempt, so a release between a failed attempt and the wait is not missed,
/// and are woken by that announcement, not by polling (they poll only while the announcements cannot be received, see
/// <c>.Notifications</c>). An unreachable Redis yields <see cref="HybridCacheLockLease.Unavailable"/>;
/// nothing here throws for transport failures. Files: <c>.Commands</c> (Lua and plain-command paths), <c>.Notifications</c>,
/// <c>.Log</c>, and <c>.Waiters</c>.
/// </summary>
internal sealed partial class RedisDistributedLock : IHybridCacheDistributedLock, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly WaiterRegistry _waiters;
    private readonly string _lockKeyPrefix;
    private int _disposed;

    public RedisDistributedLock(RedisConnection connection, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RedisDistributedLock>() ?? NullLogger.Instance;
        _waiters = new WaiterRegistry(connection.TimeProvider);
        _lockKeyPrefix = connection.KeyPrefix + "__hck:lock:";
        NotificationChannelName = connection.KeyPrefix + "__hck:locks";
        _notificationChannel = new RedisChannel(NotificationChannelName, RedisChannel.PatternMode.Literal);
        _notificationHandler = OnNotification;
        _connection.ConnectionChanged += OnConnectionChanged;
    }

    internal RedisConnection Connection => _connection;

    internal string NotificationChannelName { get; }

    /// <summary>This process's registered waiters, for tests (entries are removed when woken or when their lock has expired).</summary>
    internal WaiterRegistry Waiters => _waiters;

    /// <inheritdoc />
    public TimeSpan WaitTimeout => _connection.Options.LockWaitTimeout;

    internal TimeSpan LockExpiry => _connection.Options.LockExpiry;

    internal string LockKey(string key) => _lockKeyPrefix + key;

    /// <inheritdoc />
    public async ValueTask<HybridCacheLockLease> TryAcquireAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return HybridCacheLockLease.Unavailable;
        }

        await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);

        // Register before trying: a release announced after our failed attempt must find us.
        var waiter = _waiters.Register(key);
        var waiting = false;
        var token = Guid.NewGuid().ToString("N");
        try
        {
            var (acquired, retryAfter, holder) = await AcquireCoreAsync(LockKey(key), token, cancellationToken).ConfigureAwait(false);
            if (acquired)
            {
                StartRenewal(key, token);
                return HybridCacheLockLease.Acquired(key, token);
            }

            waiting = true;
            retryAfter = CapRetryAfter(retryAfter);
            return HybridCacheLockLease.HeldElsewhere(key, retryAfter, _waiters.Wait(key, waiter, retryAfter), holder);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The acquire may be on its way: make sure it cannot leave a lock nobody owns.
            ReleaseFireAndForget(key, token);
            throw;
        }
        catch (RedisCacheUnavailableException ex)
        {
            if (ex.MayHaveRun)
            {
                // Sent but unanswered (a timeout, or the connection lost with it in flight): it may have taken the lock,
                // or may still take it (see .Abandon). Deleting with our own token is harmless either way.
                ReleaseFireAndForget(key, token);
            }

            Log.LockUnavailable(_logger, ex.Message);
            return HybridCacheLockLease.Unavailable;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.LockFailed(_logger, ex);
            return HybridCacheLockLease.Unavailable;
        }
        finally
        {
            if (!waiting)
            {
                _waiters.Unregister(key, waiter);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(HybridCacheLockLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!lease.IsAcquired || lease.OwnerToken is null)
        {
            return;
        }

        StopRenewal(lease.OwnerToken);

        // This process's own waiters (runs of the same key with other flags) need no round trip.
        _waiters.Complete(lease.Key);
        bool announced;
        try
        {
            (_, announced) = await ReleaseCoreAsync(LockKey(lease.Key), lease.OwnerToken, ReleaseAnnouncement(lease.Key), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Queued past the breaker (see .Abandon); if even that cannot be sent, the lock expires on its own.
            Log.ReleaseFailed(_logger, ex.Message);
            ReleaseFireAndForget(lease.Key, lease.OwnerToken);
            return;
        }

        // Announced even when the lock was no longer ours (it outlived LockExpiry): the value is stored now either way,
        // and waiters that wake up re-read L2 or try the lock again. The release script has announced already; the
        // plain-command path announces with a second command.
        if (!announced)
        {
            await AnnounceReleaseAsync(lease.Key).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _connection.ConnectionChanged -= OnConnectionChanged;
        StopAllRenewals();

        try
        {
            _connection.Multiplexer?.GetSubscriber().Unsubscribe(_notificationChannel, _notificationHandler, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ReleaseFailed(_logger, ex.Message);
        }
    }
}
