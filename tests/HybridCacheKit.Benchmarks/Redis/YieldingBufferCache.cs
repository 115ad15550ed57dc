using System.Buffers;
using HybridCacheKit.TestUtilities.Chaos;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// An in-process <see cref="IBufferDistributedCache"/> whose reads complete asynchronously on the thread pool, the
/// way a Redis reply completes on a StackExchange.Redis completion item, but with no network and no Redis. The engine
/// over it against a plain read of it (both in <see cref="RedisL2HitBenchmarks"/>) isolates what the engine itself
/// costs on an asynchronous L2 read: flight, timeout, envelope, tag check, continuation.
/// </summary>
internal sealed class YieldingBufferCache() : ForwardingBufferDistributedCache(new BufferDistributedCache())
{
    public override async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await Task.Yield();
        return Inner.Get(key);
    }

    public override async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        await Task.Yield();
        return Inner.TryGet(key, destination);
    }
}
