using HybridCacheKit.TestUtilities.Observability;

namespace HybridCacheKit.StackExchangeRedis.Tests.MultiNode;

/// <summary>N nodes sharing one Redis and one instance name that is unique to this group (so tests never see each other).</summary>
internal sealed class CacheNodes : IAsyncDisposable
{
    private readonly List<CacheNode> _nodes;

    private CacheNodes(string instanceName, List<CacheNode> nodes)
    {
        InstanceName = instanceName;
        _nodes = nodes;
    }

    public string InstanceName { get; }

    public int Count => _nodes.Count;

    public IReadOnlyList<CacheNode> All => _nodes;

    public CacheNode this[int index] => _nodes[index];

    /// <summary>Starts <paramref name="count"/> nodes and, unless told otherwise, waits until every backplane is connected.</summary>
    public static async Task<CacheNodes> StartAsync(
        int count,
        string configuration,
        Action<HybridCacheKitRedisOptions>? configureRedis = null,
        Action<HybridCacheKitOptions>? configureCache = null,
        bool waitForBackplanes = true)
    {
        var instanceName = $"hck-mn-{Guid.NewGuid():N}:";
        var nodes = new List<CacheNode>(count);
        for (var i = 0; i < count; i++)
        {
            nodes.Add(CacheNode.Start(((char)('A' + i)).ToString(), configuration, instanceName, configureRedis, configureCache));
        }

        var group = new CacheNodes(instanceName, nodes);
        if (waitForBackplanes)
        {
            await Task.WhenAll(nodes.Select(n => n.WaitForBackplaneAsync()));
        }

        return group;
    }

    /// <summary>Adds one more node to the group (same instance name).</summary>
    public CacheNode Add(string name, Action<HybridCacheKitRedisOptions>? configureRedis = null)
    {
        var node = CacheNode.Start(name, _nodes[0].RedisOptions.Configuration!, InstanceName, configureRedis);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Every node's log entries with the event id, for assertions across the group.</summary>
    public IEnumerable<CollectedLog> LogsWithEventId(int eventId) => _nodes.SelectMany(n => n.Logs.WithEventId(eventId));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
