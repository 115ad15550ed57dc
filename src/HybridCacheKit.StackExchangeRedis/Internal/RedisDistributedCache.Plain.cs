using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// RedisValueLayout.PlainString: the value is the whole Redis string and its lifetime is the key's TTL, so any client
// (redis-py's get/setex, redis-cli) reads and writes the same keys. One command per operation.
internal sealed partial class RedisDistributedCache
{
    private async Task<StoredEntry> ReadPlainAsync(string operation, string key, bool withData, CancellationToken token)
    {
        if (!withData)
        {
            // Refresh: a plain string has no sliding expiration to renew; only check it is reachable.
            _ = await _connection.ExecuteAsync(operation, KeyFor(key), static (db, k) => db.KeyExistsAsync(k), _durable, token).ConfigureAwait(false);
            return default;
        }

        var value = await _connection.ExecuteAsync(operation, KeyFor(key), static (db, k) => db.StringGetAsync(k), _durable, token).ConfigureAwait(false);
        return new StoredEntry(null, null, value.IsNull ? null : (byte[]?)value);
    }

    private async Task WritePlainAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token)
    {
        if (options.SlidingExpiration is not null)
        {
            throw new NotSupportedException("Sliding expiration needs the MicrosoftHash value layout; RedisValueLayout.PlainString stores only the value and a TTL.");
        }

        var now = _time.GetUtcNow();
        var absolute = GetAbsoluteExpiration(now, options)?.UtcTicks;
        TimeSpan? ttl = absolute is { } at ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, at - now.UtcTicks)) : null;
        _ = await _connection.ExecuteAsync("set", (Key: KeyFor(key), Value: value, Ttl: ttl), static (db, s) => db.StringSetAsync(s.Key, s.Value, s.Ttl), _durable, token).ConfigureAwait(false);
    }
}
