using System.Runtime.CompilerServices;
using HybridCacheKit.StackExchangeRedis.Internal.Scripts;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Set: the three hash fields and the TTL in one atomic command, so no reader ever sees the new hash with the old TTL, and a
// connection lost half-way cannot leave a hash that never expires. With scripts (the default) that command is one EVALSHA
// (Scripts/SetEntryScript.cs); when the server refuses scripts, or UseScripts is off, it is a MULTI/EXEC transaction,
// pipelined (one round trip as well, but about 2.5 times the client CPU of a single command in StackExchange.Redis 1.x,
// measured with the load tool's rawtx mode). Everything touches one key, so it stays in one hash slot in a Redis Cluster.
//
// A write can carry its backplane message (RedisDistributedCache.Announce.cs): the script publishes it after the write,
// in the same command. The transaction fallback and the plain-string layout do not; they report the message as not sent.
internal sealed partial class RedisDistributedCache
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token)
        => _ = await WriteAsync(key, value, options, announcement: default, token).ConfigureAwait(false);

    /// <summary>Writes an entry; returns whether <paramref name="announcement"/> (when it has one) was published with it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteAsync(string key, byte[] value, DistributedCacheEntryOptions options, Announcement announcement, CancellationToken token)
    {
        if (_plainStrings)
        {
            await WritePlainAsync(key, value, options, token).ConfigureAwait(false);
            return false;
        }

        var now = _time.GetUtcNow();
        var absolute = GetAbsoluteExpiration(now, options)?.UtcTicks;
        var sliding = options.SlidingExpiration?.Ticks;
        var ttlSeconds = GetTtlSeconds(now.UtcTicks, absolute, sliding);
        if (UsesScripts)
        {
            RedisValue[] args = announcement.Payload is null
                ? [absolute ?? NotPresent, sliding ?? NotPresent, value, ttlSeconds ?? NotPresent]
                : [absolute ?? NotPresent, sliding ?? NotPresent, value, ttlSeconds ?? NotPresent, announcement.Channel, announcement.Payload];
            if (await TryEvaluateAsync("set", SetEntryScript.Text, KeyFor(key), args, token).ConfigureAwait(false) is not null)
            {
                return announcement.Sent();
            }
        }

        var fields = new WriteState(KeyFor(key), CreateFields(absolute, sliding, value), ttlSeconds);
        _ = await _connection.ExecuteAsync("set", fields, static (db, s) => WriteEntryAsync(db, s), _durable, token).ConfigureAwait(false);
        return false;
    }

    private static async Task<bool> WriteEntryAsync(IDatabase db, WriteState state)
    {
        var transaction = db.CreateTransaction();
        var setFields = transaction.HashSetAsync(state.Key, state.Fields);

        // Microsoft's RedisCache sends only HSET for an entry without expiration, so the TTL of the entry it replaces
        // survives; PERSIST makes "no expiration" mean what it says.
        var setTtl = state.TtlSeconds is { } seconds
            ? transaction.KeyExpireAsync(state.Key, TimeSpan.FromSeconds(seconds))
            : transaction.KeyPersistAsync(state.Key);
        try
        {
            _ = await transaction.ExecuteAsync().ConfigureAwait(false);

            // A command can fail inside EXEC (WRONGTYPE when the key holds something else); that shows on its own task.
            await setFields.ConfigureAwait(false);
            _ = await setTtl.ConfigureAwait(false);
            return true;
        }
        finally
        {
            Observe(setFields);
            Observe(setTtl);
        }
    }

    /// <summary>Keeps a queued command's failure from surfacing as an unobserved task exception when EXEC itself failed.</summary>
    private static void Observe(Task task)
    {
        if (!task.IsCompleted)
        {
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else if (task.IsFaulted)
        {
            _ = task.Exception;
        }
    }

    private readonly record struct WriteState(RedisKey Key, HashEntry[] Fields, long? TtlSeconds);
}
