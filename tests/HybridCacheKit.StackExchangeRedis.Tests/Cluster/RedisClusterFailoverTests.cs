using System.Collections.Concurrent;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.Security;
using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// Kill -9 of a master in a 3-master, 3-replica cluster: callers never see an exception while the cluster fails over,
/// and afterwards the cache works again for the keys of the lost master's slots (served by the promoted replica),
/// including the backplane.
/// </summary>
public sealed class RedisClusterFailoverTests(ITestOutputHelper output)
{
    private const string Instance = "failover:";
    private static readonly HybridCacheEntryOptions L2Only = new() { Flags = HybridCacheEntryFlags.DisableLocalCache };

    [Fact]
    public async Task GetOrCreateAsync_MasterKilledDuringUse_NoExceptionAndKeysWorkAfterFailover()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var writer = await StartNodeAsync(cluster, Instance);
        await using var reader = await StartNodeAsync(cluster, Instance);

        // A connection that only sends plain SETs (as the lock does without scripts): StackExchange.Redis 1.2.6 alone
        // would keep routing the lost slots to the dead node until its 60-second topology check.
        using var plain = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = cluster.ConfigurationString,
            OperationTimeout = TimeSpan.FromMilliseconds(500),
            CircuitBreakDuration = TimeSpan.FromMilliseconds(500),
        });
        var keys = Enumerable.Range(0, 300).Select(i => "key-" + i).ToArray();
        foreach (var key in keys)
        {
            await writer.Cache.SetAsync(key, "v1-" + key);
        }

        await cluster.RefreshAsync();
        var victim = cluster.MasterServing(Instance + keys[0]);
        var victimKeys = keys.Where(k => cluster.MasterServing(Instance + k) == victim).ToArray();
        Assert.True(victimKeys.Length > 50, $"only {victimKeys.Length} keys on the victim");
        Assert.Equal("v1-" + victimKeys[0], await reader.Cache.GetOrCreateAsync(victimKeys[0], new CountingFactory<string>("unexpected").InvokeAsync, L2Only));

        foreach (var key in victimKeys.Take(10))
        {
            Assert.True(await plain.ExecuteAsync("set", PlainKey(key), static (db, k) => db.StringSetAsync(k, "v"), CancellationToken.None));
        }

        var killed = await cluster.KillMasterAsync(RedisClusterHashSlot.Of(Instance + keys[0]));
        var failover = cluster.WaitForFailoverAsync(killed, TimeSpan.FromSeconds(30));

        // Callers keep going through the outage: every call returns the stored value or the factory's, never an exception.
        var errors = new ConcurrentQueue<Exception>();
        var unexpected = new ConcurrentQueue<string>();
        var calls = 0;
        while (!failover.IsCompleted)
        {
            await Task.WhenAll(victimKeys.Take(20).Select(async key =>
            {
                try
                {
                    var value = await reader.Cache.GetOrCreateAsync(key, new CountingFactory<string>("factory-" + key).InvokeAsync, L2Only).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                    if (value != "v1-" + key && value != "factory-" + key)
                    {
                        unexpected.Enqueue(value);
                    }
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex);
                }

                Interlocked.Increment(ref calls);
            }));
            await Task.Delay(50);
        }

        var promoted = await failover;
        output.WriteLine($"{calls} calls during failover; {killed.EndPoint} replaced by {promoted.EndPoint}");
        Assert.Empty(errors);
        Assert.Empty(unexpected);
        Assert.True(calls > 0);

        // After failover: writes and reads of the lost master's slots work again (the promoted replica serves them).
        foreach (var key in victimKeys.Take(30))
        {
            await RedisTestApp.Eventually.TrueAsync(async () =>
            {
                await writer.Cache.SetAsync(key, "v2-" + key);
                return await reader.Cache.GetOrCreateAsync(key, new CountingFactory<string>("miss").InvokeAsync, L2Only) == "v2-" + key;
            }, $"{key} is written and read back after failover");
        }

        foreach (var key in victimKeys.Take(10))
        {
            await RedisTestApp.Eventually.TrueAsync(async () =>
            {
                try
                {
                    return await plain.ExecuteAsync("set", PlainKey(key), static (db, k) => db.StringSetAsync(k, "v"), CancellationToken.None);
                }
                catch (RedisCacheUnavailableException)
                {
                    return false;
                }
            }, $"a plain SET to the slot of {key} works after failover");
        }

        // Writes acknowledged before the kill may be lost (asynchronous replication); report how many survived.
        var survived = 0;
        foreach (var key in victimKeys.Skip(30))
        {
            if (await reader.Cache.GetOrCreateAsync(key, new CountingFactory<string>("lost").InvokeAsync, L2Only) == "v1-" + key)
            {
                survived++;
            }
        }

        output.WriteLine($"{survived} of {victimKeys.Length - 30} values written before the kill survived the failover");

        // The backplane works again: a change on the writer reaches the reader, which holds an L1 copy, as a message.
        // The change is repeated until it gets through, because right after a failover one write or publish can still
        // fail (and a missed message is not replayed: pub/sub is at-most-once).
        var never = new CountingFactory<string>("factory must not run");
        Assert.Equal("v2-" + victimKeys[0], await reader.Cache.GetOrCreateAsync(victimKeys[0], never.InvokeAsync));
        var messagesBefore = reader.BackplaneMessagesReceived;
        await RedisTestApp.Eventually.TrueAsync(
            async () =>
            {
                await writer.Cache.SetAsync(victimKeys[0], "v3");
                return await reader.Cache.GetOrCreateAsync(victimKeys[0], never.InvokeAsync) == "v3" && reader.BackplaneMessagesReceived > messagesBefore;
            },
            () => $"the reader hears the writer after failover (backplanes connected: reader {reader.Backplane?.IsConnected}, writer {writer.Backplane?.IsConnected}; {cluster.Describe()})");
        Assert.Equal(0, never.Calls);
    }

    // Same hash slot as the cache entry of the key (the hash tag is the entry's full Redis key).
    private static string PlainKey(string key) => "{" + Instance + key + "}plain";

    private static Task<RedisTestApp> StartNodeAsync(RedisCluster cluster, string instance) =>
        RedisTestApp.StartAsync(instance, cluster.ConfigurationString, configureRedis: o =>
        {
            o.OperationTimeout = TimeSpan.FromMilliseconds(500);
            o.CircuitBreakDuration = TimeSpan.FromMilliseconds(500);
        });
}
