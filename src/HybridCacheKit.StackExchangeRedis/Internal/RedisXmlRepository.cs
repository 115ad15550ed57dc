using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Stores the ASP.NET Core Data Protection key ring in one Redis LIST, so every node shares the keys (needed for
/// cookies, antiforgery tokens and sessions to work across servers). Same layout as Microsoft's Redis repository
/// (<c>Microsoft.AspNetCore.DataProtection.StackExchangeRedis</c>): one XML key element per list item, appended with
/// RPUSH and read with LRANGE 0 -1, under <c>DataProtection-Keys</c> by default (here prefixed with the instance
/// name), so an application can switch between the two and keep its keys.
/// </summary>
/// <remarks>
/// Unlike the cache, the key ring must not degrade quietly: without it nothing can be protected or unprotected, and
/// running on a private key would hand out cookies no other node can read. So calls wait longer than cache calls (the
/// key ring is read at start-up, when the connection may still be coming up, and then about once a day), retry while
/// Redis is unreachable, and then throw a <see cref="RedisCacheUnavailableException"/> that says what failed.
/// </remarks>
internal sealed partial class RedisXmlRepository : IXmlRepository
{
    /// <summary>The list name Microsoft's repository uses; prefixed here with the instance name.</summary>
    public const string DefaultKeySuffix = "DataProtection-Keys";

    /// <summary>How long a key ring read or write keeps retrying while Redis is unreachable.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private FailedRead? _failedRead;

    /// <param name="connection">The package's shared connection.</param>
    /// <param name="key">The list's full Redis key; <see langword="null"/> for the instance name + <see cref="DefaultKeySuffix"/>. An explicit key is used as given (no prefix), so it can name Microsoft's list exactly.</param>
    /// <param name="timeout">Bound of each read or write, retries included; defaults to <see cref="DefaultTimeout"/>.</param>
    /// <param name="loggerFactory">Optional logging.</param>
    public RedisXmlRepository(RedisConnection connection, string? key = null, TimeSpan? timeout = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (key is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
        }

        _connection = connection;
        Key = key ?? connection.KeyPrefix + DefaultKeySuffix;
        Timeout = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
        _logger = (ILogger?)loggerFactory?.CreateLogger<RedisXmlRepository>() ?? NullLogger.Instance;
    }

    /// <summary>The Redis key of the list.</summary>
    public string Key { get; }

    /// <summary>How long a read or write keeps retrying while Redis is unreachable (each attempt is bounded by the connection's syncTimeout).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// How long a read that gave up is remembered: reads within that time fail at once with the same cause. At a cold
    /// start Data Protection loads the ring under its own lock, so each request queued behind a failing read would
    /// otherwise retry for the whole <see cref="Timeout"/> in turn, the last one waiting about Timeout × its place.
    /// </summary>
    internal TimeSpan FailedReadMemory { get; init; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var time = _connection.TimeProvider;
        if (Volatile.Read(ref _failedRead) is { } failed && time.GetElapsedTime(failed.At) < FailedReadMemory)
        {
            throw new RedisCacheUnavailableException($"{failed.Message} (a read {time.GetElapsedTime(failed.At).TotalSeconds:0.0} s ago; not retried for {FailedReadMemory.TotalSeconds:0.#} s)");
        }

        RedisValue[] values;
        try
        {
            values = Run("read the key ring from", idempotent: true, static (db, key) => db.ListRange(key, 0, -1));
        }
        catch (RedisCacheUnavailableException ex)
        {
            Volatile.Write(ref _failedRead, new FailedRead(time.GetTimestamp(), ex.Message));
            throw;
        }
        var elements = new List<XElement>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            // One unreadable item (junk pushed onto the list, an empty string, a truncated write) must not take the
            // whole ring down with it: every node would fail to protect or unprotect anything. It is skipped and
            // logged (without its content, which may be key material); Data Protection works with the other keys.
            try
            {
                elements.Add(XElement.Parse((string?)values[i] ?? string.Empty));
            }
            catch (XmlException ex)
            {
                Log.UnreadableElement(_logger, i, Key, ex.Message);
            }
        }

        Log.KeyRingRead(_logger, elements.Count);
        return elements;
    }

    /// <inheritdoc />
    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var xml = element.ToString(SaveOptions.DisableFormatting);

        // RPUSH is not idempotent: after a timeout the key may or may not have been appended, so it is not retried
        // (a duplicate key element would be harmless, but guessing is not needed: the caller sees the failure).
        Run("store a new key in", idempotent: false, (db, key) => db.ListRightPush(key, xml));
        Log.KeyStored(_logger);
    }

    // IXmlRepository is synchronous, so this uses StackExchange.Redis's synchronous calls (bounded by the connection's
    // syncTimeout). Not sync-over-async on purpose: Data Protection can be called from code running on the client's
    // ordered completion worker (any continuation of an awaited Redis call), and blocking that thread on an async
    // reply would wait for a reply queued behind itself. A synchronous reply is completed by the socket reader instead.
    private T Run<T>(string action, bool idempotent, Func<IDatabase, RedisKey, T> call)
    {
        var time = _connection.TimeProvider;
        var started = time.GetTimestamp();
        var delay = FirstRetryDelay;
        while (true)
        {
            var sent = false;
            try
            {
                var multiplexer = WaitForConnection(started);
                sent = true;
                return call(multiplexer.GetDatabase(), Key);
            }
            catch (Exception ex) when (RedisConnection.IsOutage(ex))
            {
                // A RedisConnectionException means the command never left; after a timeout it may have been applied.
                var mayHaveApplied = sent && ex is not RedisConnectionException;
                var elapsed = time.GetElapsedTime(started);
                if ((mayHaveApplied && !idempotent) || Timeout - elapsed <= delay)
                {
                    throw new RedisCacheUnavailableException(
                        $"Data Protection could not {action} Redis list '{Key}' ({Describe(ex)}; gave up after {elapsed.TotalSeconds:0.0} s). " +
                        "Data Protection cannot work without its key ring, so this fails instead of continuing with keys the other nodes cannot read; check that Redis is reachable.",
                        ex);
                }

                Log.Retrying(_logger, action, Describe(ex));
                Task.Delay(delay, time).GetAwaiter().GetResult();
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (RedisServerException ex)
            {
                // A command error (NOPERM from an ACL, WRONGTYPE when the key holds something else) will not go away by retrying.
                throw new InvalidOperationException($"Redis refused to let Data Protection {action} list '{Key}': {ex.Message}", ex);
            }
        }
    }

    private IConnectionMultiplexer WaitForConnection(long started)
    {
        var connecting = _connection.EnsureConnecting();
        if (!connecting.IsCompleted)
        {
            var left = Timeout - _connection.TimeProvider.GetElapsedTime(started);
            connecting = connecting.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _connection.TimeProvider);
        }

        return connecting.GetAwaiter().GetResult();
    }

    private string Describe(Exception ex) => ex switch
    {
        RedisTimeoutException => "no answer within the connection's syncTimeout",
        TimeoutException => $"not connected within {Timeout}",
        _ => ex.Message,
    };

    private sealed record FailedRead(long At, string Message);
}
