using StackExchange.Redis;

namespace HybridCacheKit.LoadTest.Redis;

/// <summary>
/// Every key the tool writes is under <see cref="Namespace"/>: the engine's entries, tag records and lock keys (its
/// InstanceName; the backplane and lock channels are pub/sub, not keys), the raw and two-tier baselines' keys (a key
/// prefix on their database), the Python peer's keys and the cold-start keys. So a Redis the user supplies is cleaned
/// by deleting that namespace alone (SCAN MATCH + DEL on every master) and never flushed: the user's own keys, even
/// ones named like the workload's (<c>item:000001</c>), are not touched.
/// </summary>
internal static class ToolKeys
{
    /// <summary>The prefix of every key the tool writes; distinctive, so it does not meet an application's keys.</summary>
    public const string Namespace = "hcklt:";

    private const int Batch = 1_000;

    /// <summary>Makes Redis ready for the next mode: FLUSHALL on a server the tool started, the tool's keys only on a user's.</summary>
    public static Task<long> ResetAsync(string configuration, bool startedByTool)
        => startedByTool ? FlushAllAsync(configuration) : DeleteAsync(configuration);

    /// <summary>Deletes every key under <see cref="Namespace"/> (on every master of a cluster); returns how many.</summary>
    public static async Task<long> DeleteAsync(string configuration)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        var db = connection.GetDatabase();
        long deleted = 0;
        var batch = new List<RedisKey>(Batch);
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (!server.IsConnected || server.IsSlave)
            {
                continue;
            }

            // SCAN in pages; the keys are deleted one command each (pipelined), so a cluster routes each to its slot.
            foreach (var key in server.Keys(db.Database, Namespace + "*", pageSize: Batch))
            {
                batch.Add(key);
                if (batch.Count == Batch)
                {
                    deleted += await DeleteBatchAsync(db, batch).ConfigureAwait(false);
                }
            }
        }

        return deleted + await DeleteBatchAsync(db, batch).ConfigureAwait(false);
    }

    private static async Task<long> DeleteBatchAsync(IDatabase db, List<RedisKey> keys)
    {
        var results = await Task.WhenAll(keys.Select(k => db.KeyDeleteAsync(k))).ConfigureAwait(false);
        keys.Clear();
        return results.Count(r => r);
    }

    /// <summary>FLUSHALL on every master: only for a server the tool started itself.</summary>
    private static async Task<long> FlushAllAsync(string configuration)
    {
        using var admin = await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true").ConfigureAwait(false);
        foreach (var endpoint in admin.GetEndPoints())
        {
            var server = admin.GetServer(endpoint);
            if (!server.IsSlave)
            {
                await server.FlushAllDatabasesAsync().ConfigureAwait(false);
            }
        }

        return 0;
    }
}
