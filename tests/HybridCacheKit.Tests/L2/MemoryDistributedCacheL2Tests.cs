using HybridCacheKit.TestUtilities.Contracts;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.Tests.L2;

/// <summary>The L2 contract over Microsoft's <see cref="MemoryDistributedCache"/> (byte[] API only).</summary>
public sealed class MemoryDistributedCacheL2Tests : HybridCacheL2ContractTests
{
    protected override ValueTask<IDistributedCache> CreateSharedDistributedCacheAsync()
        => ValueTask.FromResult<IDistributedCache>(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
}
