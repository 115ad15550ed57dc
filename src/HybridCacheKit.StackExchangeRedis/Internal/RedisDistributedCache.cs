using System.Buffers;
using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>
/// Redis <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/> that reads and writes the layout of
/// Microsoft's <c>RedisCache</c> (docs/redis-layout.md): key = instance name + key, a hash with <c>absexp</c>,
/// <c>sldexp</c> and <c>data</c>, and a Redis TTL. A read refreshes sliding expiration in the same round trip (a Lua
/// script); when the server refuses scripts it falls back to HMGET then EXPIRE for good. Every call goes through
/// <see cref="RedisConnection"/>: bounded by the operation timeout, behind the circuit breaker, cancellable (a durable
/// view's calls have a timeout of their own and pass the breaker: RedisDistributedCache.Durable.cs). The synchronous
/// methods block on the same calls with a limit of their own (RedisDistributedCache.Sync.cs).
/// </summary>
internal sealed partial class RedisDistributedCache : IBufferDistributedCache, IHybridCacheDistributedCacheAvailability, IHybridCacheDistributedCacheCancellation, IHybridCacheDistributedCacheSlidingExpiration, IHybridCacheDistributedCacheDurableView
{
    // DefaultHybridCache.ReservedPrefix: keys the engine writes for itself.
    private const string EngineReservedPrefix = "__hck:";

    private readonly RedisConnection _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisKey _prefix;
    private readonly bool _plainStrings;

    public RedisDistributedCache(RedisConnection connection, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _time = connection.TimeProvider;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RedisDistributedCache>() ?? NullLogger.Instance;
        _prefix = string.IsNullOrEmpty(connection.KeyPrefix) ? default : (RedisKey)connection.KeyPrefix;
        _scriptsRefused = connection.Options.UseScripts ? 0 : 1;
        _plainStrings = connection.Options.ValueLayout == RedisValueLayout.PlainString;
    }

    internal RedisConnection Connection => _connection;

    // PlainString keeps only the value and a TTL, so it refuses sliding expirations (WritePlainAsync).
    public bool SupportsSlidingExpiration => !_plainStrings;

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entry = await ReadAsync("get", key, withData: true, preferScript: !IsEngineRecord(key), token).ConfigureAwait(false);
        return entry.Data;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        byte[]? data;
        if (_plainStrings)
        {
            data = (await ReadPlainAsync("get", key, withData: true, token).ConfigureAwait(false)).Data;
        }
        else
        {
            // This is the path HybridCache implementations take, and their entries never slide: HMGET, and EXPIRE only
            // for an entry that turns out to slide (see RedisDistributedCache.Read.cs). The same steps as ReadAsync,
            // awaited here rather than through it: this is the engine's hot path, and each async level costs a
            // suspension on the way out and a resumption on the way back.
            var nowUtcTicks = _time.GetUtcNow().UtcTicks;
            var redisKey = KeyFor(key);
            var fields = await ReadFieldsAsync("get", redisKey, withData: true, token).ConfigureAwait(false);
            var entry = StoredEntry.Parse(fields, withData: true);
            if (SlidingRenewalSeconds(entry, nowUtcTicks) is { } seconds)
            {
                await RenewSlidingAsync("get", redisKey, seconds, token).ConfigureAwait(false);
            }

            data = entry.DataAt(nowUtcTicks);
        }

        if (data is null)
        {
            return false;
        }

        // StackExchange.Redis 1.x hands out the reply as its own byte[]; this is the one copy, into the caller's buffer.
        destination.Write(data);
        return true;
    }

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        _ = await ReadAsync("refresh", key, withData: false, preferScript: true, token).ConfigureAwait(false);
    }

    /// <summary>
    /// False while the connection's circuit breaker rejects calls, so the engine skips them without an exception. Always
    /// true for a durable view, whose calls the breaker does not refuse.
    /// </summary>
    public bool IsAvailable => _durable is not null || _connection.WouldAttempt;

    /// <summary>
    /// True: every call goes through <see cref="RedisConnection"/>, whose wait ends when the caller's token is
    /// cancelled even if Redis never answers, so the engine awaits these calls without a bounded wait of its own.
    /// </summary>
    public bool HonorsCancellation => true;

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        _ = await _connection.ExecuteAsync("remove", KeyFor(key), static (db, k) => db.KeyDeleteAsync(k), _durable, token).ConfigureAwait(false);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        return WriteAsync(key, value, options, token).AsTask();
    }

    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);

        return WriteAsync(key, Own(value), options, token);
    }

    /// <summary>
    /// StackExchange.Redis 1.x only sends a byte[] it owns for the whole call, and a command abandoned on timeout may
    /// still be written later (it stays queued while reconnecting). The sequence may be a pooled buffer its owner reuses
    /// as soon as the call returns, so it is copied once; single-segment input skips the linearizing walk.
    /// </summary>
    private static byte[] Own(ReadOnlySequence<byte> value) => value.IsSingleSegment ? value.First.ToArray() : value.ToArray();

    private RedisKey KeyFor(string key) => _prefix.Append(key);

    /// <summary>
    /// Whether <paramref name="key"/> is in the engine's reserved namespace (its tag records, read with GetAsync). The
    /// engine keeps application keys out of it and never writes sliding expirations, so these reads take TryGet's plain
    /// HMGET. Should anything else put a sliding entry there, it is still renewed, with a second command.
    /// </summary>
    private static bool IsEngineRecord(string key) => key.StartsWith(EngineReservedPrefix, StringComparison.Ordinal);
}
