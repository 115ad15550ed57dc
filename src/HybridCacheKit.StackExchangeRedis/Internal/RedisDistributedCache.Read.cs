using System.Runtime.CompilerServices;
using HybridCacheKit.StackExchangeRedis.Internal.Scripts;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Get, TryGet and Refresh: read absexp/sldexp(/data) and renew a sliding expiration.
// - Get and Refresh (IDistributedCache: sessions and most applications, where entries may slide) run the read-and-refresh
//   script: one EVALSHA, one round trip, whatever the entry. Refused by the server, or UseScripts = false: HMGET, then
//   EXPIRE when the entry slides (two round trips, which is what Microsoft's RedisCache always does).
// - TryGet (IBufferDistributedCache: the path HybridCache implementations take; theirs and ours never write sliding
//   expirations) runs HMGET, which costs Redis a fraction of the script's CPU, and sends EXPIRE only when the entry turns
//   out to slide. A sliding entry read this way is still renewed, in a second round trip. Get of a key in the engine's
//   reserved namespace (its tag records) takes the same path (RedisDistributedCache.IsEngineRecord).
internal sealed partial class RedisDistributedCache
{
    private static readonly RedisValue WithData = "1";
    private static readonly RedisValue WithoutData = "0";

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoredEntry> ReadAsync(string operation, string key, bool withData, bool preferScript, CancellationToken token)
    {
        if (_plainStrings)
        {
            return await ReadPlainAsync(operation, key, withData, token).ConfigureAwait(false);
        }

        var nowUtcTicks = _time.GetUtcNow().UtcTicks;
        var redisKey = KeyFor(key);
        if (preferScript
            && UsesScripts
            && await TryEvaluateAsync(operation, GetAndRefreshScript.Text, redisKey, [nowUtcTicks, withData ? WithData : WithoutData], token).ConfigureAwait(false) is { } reply)
        {
            var scripted = StoredEntry.Parse((RedisValue[]?)reply ?? [], withData);
            return scripted with { Data = scripted.DataAt(nowUtcTicks) };
        }

        // HMGET (scripts refused or turned off), then EXPIRE only for an entry that slides.
        var fields = await ReadFieldsAsync(operation, redisKey, withData, token).ConfigureAwait(false);
        var entry = StoredEntry.Parse(fields, withData);
        if (SlidingRenewalSeconds(entry, nowUtcTicks) is { } seconds)
        {
            await RenewSlidingAsync(operation, redisKey, seconds, token).ConfigureAwait(false);
        }

        return entry with { Data = entry.DataAt(nowUtcTicks) };
    }

    private ValueTask<RedisValue[]> ReadFieldsAsync(string operation, RedisKey redisKey, bool withData, CancellationToken token)
        => _connection.ExecuteValueAsync(operation, (Key: redisKey, Fields: withData ? MetadataAndDataFields : MetadataFields), static (db, s) => db.HashGetAsync(s.Key, s.Fields), _durable, token);

    /// <summary>The TTL to renew a sliding entry to, or <see langword="null"/> when the entry does not slide (or has expired).</summary>
    private static long? SlidingRenewalSeconds(StoredEntry entry, long nowUtcTicks)
        => entry.SlidingTicks is not null && GetTtlSeconds(nowUtcTicks, entry.AbsoluteUtcTicks, entry.SlidingTicks) is > 0 and var seconds ? seconds : null;

    // If the key went away between the two commands EXPIRE does nothing, as for Microsoft's RedisCache.
    private async Task RenewSlidingAsync(string operation, RedisKey redisKey, long seconds, CancellationToken token)
        => _ = await _connection.ExecuteAsync(operation, (Key: redisKey, Ttl: TimeSpan.FromSeconds(seconds)), static (db, s) => db.KeyExpireAsync(s.Key, s.Ttl), _durable, token).ConfigureAwait(false);
}
