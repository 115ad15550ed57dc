namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>Error texts shared by registration, the store and the start-up check.</summary>
internal static class SessionSharingMessages
{
    public const string NoDistributedCache =
        "Session sharing needs a distributed cache that every node shares: register one before the app starts, e.g. "
        + "services.AddHybridCacheKit().AddStackExchangeRedis(o => o.Configuration = \"redis:6379\").AddSessionSharing().";
}
