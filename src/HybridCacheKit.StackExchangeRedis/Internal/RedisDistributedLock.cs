using HybridCacheKit.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>Redis distributed lock (work in progress).</summary>
internal sealed class RedisDistributedLock(RedisConnection connection) : IHybridCacheDistributedLock
{
    internal RedisConnection Connection => connection;

    public TimeSpan WaitTimeout => connection.Options.LockWaitTimeout;

    public ValueTask<HybridCacheLockLease> TryAcquireAsync(string key, CancellationToken cancellationToken) => throw new NotImplementedException();

    public ValueTask ReleaseAsync(HybridCacheLockLease lease, CancellationToken cancellationToken) => throw new NotImplementedException();
}
