using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Contracts;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.L2;

/// <summary>
/// The engine's L2 contract over the Redis distributed cache (the buffer path, as the engine sees an
/// <see cref="IBufferDistributedCache"/>). Each shared L2 gets its own instance name, so <c>RemoveByTagAsync("*")</c>
/// in one test cannot reach another test's entries. Derived classes say which Redis (standalone, Cluster).
/// </summary>
public abstract class RedisL2ContractTestsBase(string configuration, string instancePrefix) : HybridCacheL2ContractTests
{
    private readonly List<RedisConnection> _connections = [];

    protected override ValueTask<IDistributedCache> CreateSharedDistributedCacheAsync()
    {
        var connection = new RedisConnection(new HybridCacheKitRedisOptions
        {
            Configuration = configuration,
            InstanceName = $"{instancePrefix}-{Guid.NewGuid():N}:",

            // The suite checks behaviour, not latency; a generous timeout keeps a busy CI machine from failing it.
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
