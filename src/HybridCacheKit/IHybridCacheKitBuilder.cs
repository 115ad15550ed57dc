using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit;

/// <summary>Returned by <c>AddHybridCacheKit</c>; the packages of the family hang their <c>Add…</c> methods on it.</summary>
public interface IHybridCacheKitBuilder
{
    /// <summary>The service collection the cache is registered in.</summary>
    IServiceCollection Services { get; }
}
