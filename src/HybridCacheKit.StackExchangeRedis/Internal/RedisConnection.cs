using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// The package's one connection to Redis, shared by the cache, backplane, lock, key ring and health check.
/// Connects lazily and in the background (start-up succeeds while Redis is down; StackExchange.Redis keeps
/// reconnecting), bounds every operation by <see cref="HybridCacheKitRedisOptions.OperationTimeout"/> (1.x has no
/// timeout on async calls, so a frozen server would hang an awaited call forever), honours cancellation by
/// abandoning the wait, and trips a circuit breaker on repeated failures. Failures surface as
/// <see cref="RedisCacheUnavailableException"/>; other server errors (WRONGTYPE, NOPERM, ...) pass through.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly HybridCacheKitRedisOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CircuitBreaker _breaker;
    private readonly Lock _gate = new();
    private Task<IConnectionMultiplexer>? _connecting;
    private bool _ownsMultiplexer;
    private bool _disposed;

    public RedisConnection(HybridCacheKitRedisOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RedisConnection>() ?? NullLogger.Instance;
        _breaker = new CircuitBreaker(options.CircuitBreakerFailureThreshold, options.CircuitBreakDuration, _time);
        KeyPrefix = options.InstanceName;
    }

    /// <summary>Raised when a connection of the given type fails (true) or is restored (false is failure).</summary>
    public event Action<ConnectionType, bool>? ConnectionChanged;

    public string KeyPrefix { get; }

    public HybridCacheKitRedisOptions Options => _options;

    public TimeProvider TimeProvider => _time;

    public bool IsCircuitOpen => _breaker.IsOpen;

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
    public async Task<T> ExecuteAsync<TState, T>(string operation, TState state, Func<IDatabase, TState, Task<T>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_breaker.TryEnter())
        {
            throw new RedisCacheUnavailableException($"Redis {operation} was not attempted: the circuit breaker is open after repeated failures (it retries after {_options.CircuitBreakDuration}).");
        }

        var started = _time.GetTimestamp();
        try
        {
            var connecting = EnsureConnecting();
            var multiplexer = connecting.IsCompletedSuccessfully
                ? connecting.Result
                : await connecting.WaitAsync(_options.OperationTimeout, _time, cancellationToken).ConfigureAwait(false);
            var remaining = _options.OperationTimeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }

            var task = call(multiplexer.GetDatabase(), state);
            var completion = task.WaitAsync(remaining, _time, cancellationToken);
            if (!completion.IsCompleted)
            {
                // StackExchange.Redis 1.x completes tasks on one ordered completion worker per multiplexer, and an await
                // continues inline there. The caller must not: it would stall every other reply while it runs, and a
                // synchronous cache call made from that continuation would wait, until the timeout, for a reply queued
                // behind itself. Wait without throwing, then move to the thread pool.
                await ((Task)completion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await Task.Yield();
            }

            var result = await completion.ConfigureAwait(false);
            _breaker.OnSuccess();
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            _breaker.OnFailure();
            RequestReconfigure();
            var cause = ex is TimeoutException ? $"no answer within {_options.OperationTimeout}" : ex.Message;
            throw new RedisCacheUnavailableException($"Redis {operation} failed: {cause}.", ex);
        }
    }

    /// <summary>Runs a subscriber operation (publish, subscribe) under the same rules.</summary>
    public async Task<T> ExecuteSubscriberAsync<TState, T>(string operation, TState state, Func<ISubscriber, TState, Task<T>> call, CancellationToken cancellationToken)
        => await ExecuteAsync(operation, (state, call), static (db, s) => s.call(db.Multiplexer.GetSubscriber(), s.state), cancellationToken).ConfigureAwait(false);

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
            multiplexer = await factory().ConfigureAwait(false);
        }
        else
        {
            var configuration = _options.ConfigurationOptions?.Clone()
                ?? ConfigurationOptions.Parse(_options.Configuration ?? throw new InvalidOperationException("HybridCacheKit Redis: set Configuration, ConfigurationOptions or ConnectionMultiplexerFactory."));

            // Start-up must succeed while Redis is down: keep retrying in the background instead of failing.
            configuration.AbortOnConnectFail = false;
            multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            _ownsMultiplexer = true;
        }

        multiplexer.ConnectionFailed += (_, e) =>
        {
            Log.ConnectionFailed(_logger, e.ConnectionType.ToString(), e.FailureType.ToString());
            ConnectionChanged?.Invoke(e.ConnectionType, false);
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            Log.ConnectionRestored(_logger, e.ConnectionType.ToString());
            ConnectionChanged?.Invoke(e.ConnectionType, true);
        };
        return multiplexer;
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Warning, "Redis connection ({ConnectionType}) failed: {FailureType}. Reconnecting in the background.")]
        public static partial void ConnectionFailed(ILogger logger, string connectionType, string failureType);

        [LoggerMessage(2002, LogLevel.Information, "Redis connection ({ConnectionType}) restored.")]
        public static partial void ConnectionRestored(ILogger logger, string connectionType);
    }
}
