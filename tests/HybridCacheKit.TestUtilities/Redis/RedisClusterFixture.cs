using Xunit;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// One 3-master Redis Cluster (no replicas) shared by the tests of an xunit collection. As with
/// <see cref="RedisServerFixture"/>, the collection definition must live in the test assembly:
/// <code>
/// [CollectionDefinition(RedisClusterFixture.CollectionName)]
/// public sealed class RedisClusterCollection : ICollectionFixture&lt;RedisClusterFixture&gt;;
/// </code>
/// Tests that kill nodes start their own cluster with <see cref="RedisCluster.StartAsync"/>.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    /// <summary>The collection name to use in <c>[CollectionDefinition]</c> and <c>[Collection]</c>.</summary>
    public const string CollectionName = "redis-cluster";

    private RedisCluster? _cluster;

    /// <summary>The running cluster; available once xunit has initialized the fixture.</summary>
    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The Redis Cluster fixture is not initialized.");

    /// <summary>Shortcut for <see cref="RedisCluster.ConfigurationString"/> (every node, comma-separated).</summary>
    public string ConfigurationString => Cluster.ConfigurationString;

    /// <inheritdoc />
    public async Task InitializeAsync() => _cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 0).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
