namespace HybridCacheKit.AspNetCore;

/// <summary>Defaults and named policies of the distributed response cache.</summary>
public sealed class DistributedResponseCacheOptions
{
}
