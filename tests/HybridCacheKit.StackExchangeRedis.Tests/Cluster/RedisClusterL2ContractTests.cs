using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Contracts;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.Cluster;

/// <summary>
/// The engine's L2 contract over the Redis distributed cache on a 3-master Redis Cluster. Every test's keys (a fresh
/// GUID each, under a fresh instance name) spread over all three masters; tag records are separate keys in their own slots.
/// </summary>
[Collection(RedisClusterFixture.CollectionName)]
public sealed class RedisClusterL2ContractTests(RedisClusterFixture cluster) : HybridCacheL2ContractTests
{
    private readonly List<RedisConnection> _connections = [];

    protected override ValueTask<IDistributedCache> CreateSharedDistributedCacheAsync()
    {
        var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = cluster.ConfigurationString,
            InstanceName = $"hck-cluster-l2-{Guid.NewGuid():N}:",
            OperationTimeout = TimeSpan.FromSeconds(5),
        });
        _connections.Add(connection);
        return ValueTask.FromResult<IDistributedCache>(new RedisDistributedCache(connection));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
    }
}
