using HybridCacheKit.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>Redis pub/sub backplane (work in progress).</summary>
internal sealed class RedisBackplane(RedisConnection connection) : IHybridCacheBackplane
{
    internal RedisConnection Connection => connection;

    public bool IsConnected => false;

    public void Subscribe(IHybridCacheBackplaneListener listener) => throw new NotImplementedException();

    public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken) => throw new NotImplementedException();
}
