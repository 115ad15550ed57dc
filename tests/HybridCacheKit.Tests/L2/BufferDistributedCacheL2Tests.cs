using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Contracts;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Tests.L2;

/// <summary>The L2 contract over an <see cref="IBufferDistributedCache"/>, so the engine takes its buffer path.</summary>
public sealed class BufferDistributedCacheL2Tests : HybridCacheL2ContractTests
{
    protected override ValueTask<IDistributedCache> CreateSharedDistributedCacheAsync()
        => ValueTask.FromResult<IDistributedCache>(new BufferDistributedCache(TimeProvider.System));
}
