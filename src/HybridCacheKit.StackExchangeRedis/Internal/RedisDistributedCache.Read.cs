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
        StoredEntry entry;
        if (preferScript && UsesScripts)
        {
            var state = new ReadState(this, KeyFor(key), withData, nowUtcTicks);
            entry = await _connection.ExecuteAsync(operation, state, static (db, s) => s.Cache.ReadEntryAsync(db, s), token).ConfigureAwait(false);
        }
        else
        {
            var redisKey = KeyFor(key);
            var fields = await _connection.ExecuteValueAsync(operation, (Key: redisKey, Fields: withData ? MetadataAndDataFields : MetadataFields), static (db, s) => db.HashGetAsync(s.Key, s.Fields), token).ConfigureAwait(false);
            entry = StoredEntry.Parse(fields, withData);
            if (entry.SlidingTicks is not null && GetTtlSeconds(nowUtcTicks, entry.AbsoluteUtcTicks, entry.SlidingTicks) is > 0 and var seconds)
            {
                // If the key went away between the two commands EXPIRE does nothing, as for Microsoft's RedisCache.
                _ = await _connection.ExecuteAsync(operation, (Key: redisKey, Ttl: TimeSpan.FromSeconds(seconds)), static (db, s) => db.KeyExpireAsync(s.Key, s.Ttl), token).ConfigureAwait(false);
            }
        }

        return entry with { Data = entry.DataAt(nowUtcTicks) };
    }

    private async Task<StoredEntry> ReadEntryAsync(IDatabase db, ReadState state)
    {
        if (UsesScripts)
        {
            var fields = await TryReadWithScriptAsync(db, state).ConfigureAwait(false);
            if (fields is not null)
            {
                return StoredEntry.Parse(fields, state.WithData);
            }
        }

        var entry = StoredEntry.Parse(await db.HashGetAsync(state.Key, state.WithData ? MetadataAndDataFields : MetadataFields).ConfigureAwait(false), state.WithData);
        if (entry.SlidingTicks is not null
            && GetTtlSeconds(state.NowUtcTicks, entry.AbsoluteUtcTicks, entry.SlidingTicks) is > 0 and var seconds)
        {
            // If the key went away between the two commands EXPIRE does nothing, as for Microsoft's RedisCache.
            _ = await db.KeyExpireAsync(state.Key, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        }

        return entry;
    }

    /// <summary>Runs the read script; <see langword="null"/> when the server refuses scripts.</summary>
    private async Task<RedisValue[]?> TryReadWithScriptAsync(IDatabase db, ReadState state)
        => await TryEvaluateAsync(db, GetAndRefreshScript.Text, [state.Key], [state.NowUtcTicks, state.WithData ? WithData : WithoutData]).ConfigureAwait(false) is { } reply
            ? (RedisValue[]?)reply ?? []
            : null;

    private readonly record struct ReadState(RedisDistributedCache Cache, RedisKey Key, bool WithData, long NowUtcTicks);
}
