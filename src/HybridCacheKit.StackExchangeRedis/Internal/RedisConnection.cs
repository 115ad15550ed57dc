using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using HybridCacheKit.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// The package's one connection to Redis, shared by the cache, backplane, lock, key ring and health check.
/// Connects lazily and in the background (start-up succeeds while Redis is down; StackExchange.Redis keeps
/// reconnecting), bounds every operation by <see cref="HybridCacheKitRedisOptions.OperationTimeout"/> (1.x has no
/// timeout on async calls, so a frozen server would hang an awaited call forever), honours cancellation by
/// abandoning the wait, and trips a circuit breaker on repeated failures (calls for durable data, such as sessions, have
/// their own timeout and stay outside the breaker: RedisConnection.Durable.cs). Failures surface as
/// <see cref="RedisCacheUnavailableException"/>; other server errors (WRONGTYPE, NOPERM, ...) pass through.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly HybridCacheKitRedisOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CircuitBreaker _breaker;
    private readonly DeadlineSlots _deadlines;
    private readonly Lock _gate = new();
    private Task<IConnectionMultiplexer>? _connecting;
    private Connected? _connected;
    private bool _ownsMultiplexer;
    private bool _disposed;

    public RedisConnection(HybridCacheKitRedisOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RedisConnection>() ?? NullLogger.Instance;
        _breaker = new CircuitBreaker(options.CircuitBreakerFailureThreshold, options.CircuitBreakDuration, _time);
        _deadlines = new DeadlineSlots(_time);
        KeyPrefix = options.InstanceName;
    }

    /// <summary>
    /// Raised when a connection of the given type to the given server fails (false) or is restored (true). In a cluster
    /// each server has its own connections, so events of different servers interleave.
    /// </summary>
    public event Action<ConnectionType, EndPoint?, bool>? ConnectionChanged;

    public string KeyPrefix { get; }

    public HybridCacheKitRedisOptions Options => _options;

    public TimeProvider TimeProvider => _time;

    public bool IsCircuitOpen => _breaker.IsOpen;

    /// <summary>Whether the breaker would let a call through now (closed, or open with its break duration over).</summary>
    public bool WouldAttempt => _breaker.WouldAdmit;

    /// <summary>The multiplexer if the connection has been established (it may currently be reconnecting).</summary>
    public IConnectionMultiplexer? Multiplexer => _connecting is { IsCompletedSuccessfully: true } t ? t.Result : null;

    /// <summary>Starts connecting if not yet started. Never throws; never blocks.</summary>
    public Task<IConnectionMultiplexer> EnsureConnecting()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectAsync();
            }

            return _connecting;
        }
    }

    /// <summary>Runs one database operation under the timeout, the breaker and the caller's cancellation.</summary>
    public Task<T> ExecuteAsync<TState, T>(string operation, TState state, Func<IDatabase, TState, Task<T>> call, CancellationToken cancellationToken)
        => ExecuteAsync(operation, state, call, durable: null, cancellationToken);

    /// <summary>
    /// <see cref="ExecuteAsync{TState, T}(string, TState, Func{IDatabase, TState, Task{T}}, CancellationToken)"/> for
    /// hot paths: a <see cref="ValueTask{TResult}"/> whose machinery is pooled, so a call allocates nothing beyond what
    /// StackExchange.Redis allocates. Await it exactly once.
    /// </summary>
    public ValueTask<T> ExecuteValueAsync<TState, T>(string operation, TState state, Func<IDatabase, TState, Task<T>> call, CancellationToken cancellationToken)
        => ExecuteValueAsync(operation, state, call, durable: null, cancellationToken);

    /// <summary>
    /// Runs a Lua script on one key under the same rules. A server that lost its script cache (restart, failover to a
    /// replica, SCRIPT FLUSH) answers EVALSHA with NOSCRIPT; StackExchange.Redis 1.x then forgets the hash but does not
    /// retry, so the script is sent once more, as EVAL. Refusals (an ACL without EVAL) come back as exceptions.
    /// </summary>
    public ValueTask<RedisResult> EvaluateAsync(string operation, string script, RedisKey key, RedisValue[] args, CancellationToken cancellationToken)
        => EvaluateAsync(operation, script, key, args, durable: null, scriptSentAgain: null, cancellationToken);

    /// <summary>
    /// <see cref="EvaluateAsync(string, string, RedisKey, RedisValue[], CancellationToken)"/> as a durable call when
    /// <paramref name="durable"/> is set, calling <paramref name="scriptSentAgain"/> when the script had to be sent again.
    /// Pooled, like <see cref="ExecuteValueAsync{TState, T}(string, TState, Func{IDatabase, TState, Task{T}}, CancellationToken)"/>:
    /// await it exactly once.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RedisResult> EvaluateAsync(string operation, string script, RedisKey key, RedisValue[] args, DurableCalls? durable, Action? scriptSentAgain, CancellationToken cancellationToken)
    {
        var state = (Script: script, Key: key, Args: args);
        try
        {
            return await ExecuteValueAsync(operation, state, static (db, s) => db.ScriptEvaluateAsync(s.Script, [s.Key], s.Args), durable, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            scriptSentAgain?.Invoke();
            return await ExecuteValueAsync(operation, state, static (db, s) => db.ScriptEvaluateAsync(s.Script, [s.Key], s.Args), durable, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The server no longer has the script whose hash was sent.</summary>
    internal static bool IsNoScript(RedisServerException ex) => ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    /// <summary>Runs a subscriber operation (publish, subscribe) under the same rules.</summary>
    public Task<T> ExecuteSubscriberAsync<TState, T>(string operation, TState state, Func<ISubscriber, TState, Task<T>> call, CancellationToken cancellationToken)
        => RunAsync(operation, (state, call), static (c, s) => s.call(c.Subscriber, s.state), durable: null, cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> RunAsync<TState, T>(string operation, TState state, Func<Connected, TState, Task<T>> call, DurableCalls? durable, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Durable calls (RedisConnection.Durable.cs) are neither refused by the breaker nor counted by it.
        var probe = false;
        if (durable is null && !_breaker.TryEnter(out probe))
        {
            throw new RedisCacheUnavailableException($"Redis {operation} was not attempted: the circuit breaker is open after repeated failures (it retries after {_options.CircuitBreakDuration}).");
        }

        var timeout = durable?.Timeout ?? _options.OperationTimeout;
        var started = _time.GetTimestamp();
        var settled = false;
        Task<T>? task = null;
        try
        {
            var connected = Volatile.Read(ref _connected) ?? await WaitForConnectionAsync(timeout, cancellationToken).ConfigureAwait(false);
            var remaining = timeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }

            task = call(connected, state);
            if (!task.IsCompleted)
            {
                await BoundedWait.WhenCompleted(task, (durable?.Deadlines ?? _deadlines).Token(remaining), cancellationToken).ConfigureAwait(false);
                if (!task.IsCompleted)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new TimeoutException();
                }

                if (PreservesAsyncOrder(connected.Multiplexer))
                {
                    // This continuation may be running on the multiplexer's ordered completion worker; leave it
                    // (RedisConnection.Completions.cs).
                    await Task.Yield();
                }
            }

            var result = task.GetAwaiter().GetResult();
            if (durable is null)
            {
                _breaker.OnSuccess();
            }

            settled = true;
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ObserveAbandoned(task);
            throw;
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            ObserveAbandoned(task);
            if (durable is null)
            {
                _breaker.OnFailure();
            }

            settled = true;
            RequestReconfigure();
            throw new RedisCacheUnavailableException($"Redis {operation} failed: {DescribeOutage(ex, timeout)}.", CarriesNoKeys(ex) ? ex : null)
            {
                MayHaveRun = task is not null,
            };
        }
        catch (RedisServerException)
        {
            // A command error (WRONGTYPE, NOSCRIPT, NOPERM, ...): Redis answered, so it is reachable.
            if (durable is null)
            {
                _breaker.OnSuccess();
            }

            settled = true;
            throw;
        }
        finally
        {
            // A probe cancelled by its caller, or refused before Redis saw it, tells nothing: let the next call probe.
            if (probe && !settled)
            {
                _breaker.ReleaseProbe();
            }
        }
    }

    /// <summary>The first connection, bounded like any call. Later calls find it in <see cref="_connected"/>.</summary>
    private async ValueTask<Connected> WaitForConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connecting = EnsureConnecting();
        if (!connecting.IsCompletedSuccessfully)
        {
            _ = await connecting.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }

        return Volatile.Read(ref _connected) ?? throw new ObjectDisposedException(nameof(RedisConnection));
    }

    /// <summary>A command abandoned on timeout or cancellation may still fail later; keep that from going unobserved.</summary>
    private static void ObserveAbandoned(Task? task)
    {
        if (task is { IsCompleted: false })
        {
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// The cause of an outage in words that never include a key or a value: StackExchange.Redis puts the command and its
    /// key in its messages when <c>IncludeDetailInExceptions</c> is on (2.x's default; an application's own multiplexer
    /// may have it on), and the engine logs these exceptions. Keys reach logs only through the engine's IncludeKeysInLogs.
    /// </summary>
    internal static string DescribeOutage(Exception ex, TimeSpan timeout) => ex switch
    {
        RedisTimeoutException => "StackExchange.Redis timed out",
        TimeoutException => $"no answer within {timeout}",
        RedisConnectionException connection => $"no connection ({connection.FailureType})",
        SocketException socket => $"socket error ({socket.SocketErrorCode})",
        ObjectDisposedException => "the connection was disposed",
        RedisServerException server => $"the server answered {ServerErrorCode(server.Message)}",
        RedisCacheUnavailableException unavailable => unavailable.Message,
        _ => ex.GetType().Name,
    };

    /// <summary>The error code that starts a server error (CLUSTERDOWN, LOADING, ...), or a fixed word.</summary>
    private static string ServerErrorCode(string message)
    {
        var end = message.IndexOf(' ', StringComparison.Ordinal);
        var code = end > 0 ? message[..end] : message;
        return code.Length is > 0 and <= 16 && code.All(char.IsAsciiLetterUpper) ? code : "an error";
    }

    /// <summary>
    /// Whether the original exception may be kept as the inner exception: its message has no key in it (this package's
    /// own timeout, or a multiplexer with IncludeDetailInExceptions off, as the package's own multiplexer is).
    /// </summary>
    private bool CarriesNoKeys(Exception ex)
        => ex is (TimeoutException and not RedisTimeoutException) or RedisCacheUnavailableException or SocketException or ObjectDisposedException
           || Multiplexer is { IncludeDetailInExceptions: false };

    /// <summary>Whether an exception means Redis is unreachable or unable to serve, as opposed to a command error.</summary>
    internal static bool IsOutage(Exception ex) => ex switch
    {
        TimeoutException or RedisTimeoutException or RedisConnectionException or SocketException or ObjectDisposedException => true,
        // A lost cluster node surfaces as a server error in StackExchange.Redis 1.x.
        RedisServerException server => IsTransientServerError(server.Message),
        RedisCacheUnavailableException => true,
        _ => false,
    };

    internal static bool IsTransientServerError(string message)
        => message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
           || message.StartsWith("LOADING", StringComparison.Ordinal)
           || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
           || message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
           || message.StartsWith("READONLY", StringComparison.Ordinal)
           || message.Contains("not reachable", StringComparison.OrdinalIgnoreCase)
           || message.Contains("No connection", StringComparison.OrdinalIgnoreCase);

    public void Dispose()
    {
        Task<IConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            _disposed = true;
            connecting = _connecting;
        }

        // Later calls take the slow path, which reports the disposal, instead of using the multiplexer.
        Volatile.Write(ref _connected, null);

        if (_ownsMultiplexer && connecting is { IsCompletedSuccessfully: true })
        {
            connecting.Result.Dispose();
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        IConnectionMultiplexer multiplexer;
        if (_options.ConnectionMultiplexerFactory is { } factory)
        {
            // On the pool, not on the caller's thread: a factory that blocks (ConnectionMultiplexer.Connect against a
            // frozen server) would otherwise run inside EnsureConnecting's lock, holding up every caller, the host's
            // start and the health check's own timeout.
            multiplexer = await Task.Run(factory).ConfigureAwait(false);
        }
        else
        {
            var configuration = _options.ConfigurationOptions?.Clone()
                ?? ConfigurationOptions.Parse(_options.Configuration ?? throw new InvalidOperationException("HybridCacheKit Redis: set Configuration, ConfigurationOptions or ConnectionMultiplexerFactory."));

            // Start-up must succeed while Redis is down: keep retrying in the background instead of failing.
            configuration.AbortOnConnectFail = false;
            var owned = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            UseThreadPoolCompletions(owned);

            // No command or key in StackExchange.Redis's exception messages: they reach logs (DescribeOutage).
            owned.IncludeDetailInExceptions = false;
            multiplexer = owned;
            _ownsMultiplexer = true;
        }

        multiplexer.ConnectionFailed += (_, e) =>
        {
            Log.ConnectionFailed(_logger, e.ConnectionType.ToString(), e.FailureType.ToString());
            ConnectionChanged?.Invoke(e.ConnectionType, e.EndPoint, false);
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            Log.ConnectionRestored(_logger, e.ConnectionType.ToString());
            ConnectionChanged?.Invoke(e.ConnectionType, e.EndPoint, true);
        };
        lock (_gate)
        {
            if (!_disposed)
            {
                Volatile.Write(ref _connected, new Connected(multiplexer));
                return multiplexer;
            }
        }

        // Disposed while connecting (a host stopped while Redis was frozen or unreachable): Dispose saw no multiplexer
        // to dispose, so a multiplexer of ours would otherwise stay connected, reconnecting for good.
        if (_ownsMultiplexer)
        {
            multiplexer.Dispose();
        }

        throw new ObjectDisposedException(nameof(RedisConnection));
    }

    /// <summary>The multiplexer with the database and subscriber views every call uses, created once.</summary>
    private sealed class Connected(IConnectionMultiplexer multiplexer)
    {
        public IConnectionMultiplexer Multiplexer { get; } = multiplexer;

        public IDatabase Database { get; } = multiplexer.GetDatabase();

        public ISubscriber Subscriber { get; } = multiplexer.GetSubscriber();
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Warning, "Redis connection ({ConnectionType}) failed: {FailureType}. Reconnecting in the background.")]
        public static partial void ConnectionFailed(ILogger logger, string connectionType, string failureType);

        [LoggerMessage(2002, LogLevel.Information, "Redis connection ({ConnectionType}) restored.")]
        public static partial void ConnectionRestored(ILogger logger, string connectionType);
    }
}
