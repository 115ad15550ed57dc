namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>Error texts shared by registration, the store and the start-up check.</summary>
internal static class SessionSharingMessages
{
    public const string NoDistributedCache =
        "Session sharing needs a distributed cache that every node shares: register one before the app starts, e.g. "
        + "services.AddHybridCacheKit().AddStackExchangeRedis(o => o.Configuration = \"redis:6379\").AddSessionSharing().";

    public static string NoSlidingExpiration(string cacheType) =>
        "Session sharing stores every session with a sliding expiration (the idle timeout), which the distributed cache ("
        + cacheType + ") refuses as configured, so no session would ever be stored. With AddStackExchangeRedis, remove "
        + "ValueLayout = RedisValueLayout.PlainString (keep the default, RedisValueLayout.MicrosoftHash).";
}
