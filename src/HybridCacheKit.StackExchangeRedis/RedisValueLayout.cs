namespace HybridCacheKit.StackExchangeRedis;

/// <summary>How the Redis <c>IDistributedCache</c> stores a value.</summary>
public enum RedisValueLayout
{
    /// <summary>
    /// A hash with fields <c>absexp</c>, <c>sldexp</c> and <c>data</c>, exactly as Microsoft's <c>RedisCache</c> stores it, so
    /// an application can switch between the two and keep its entries and sessions. Supports sliding expiration.
    /// </summary>
    MicrosoftHash = 0,

    /// <summary>
    /// A plain string value with a Redis TTL (<c>PSETEX</c> or <c>SETEX</c>; <c>SET</c> without expiration; reads <c>GET</c>,
    /// <c>Refresh</c> checks with <c>EXISTS</c>), readable and writable by any Redis client, for
    /// example redis-py's <c>get</c>/<c>setex</c>. Use it with the engine's <c>L2Format = Plain</c> to share values with
    /// services in other languages. Sliding expiration is not supported (there is nowhere to record it), so neither is
    /// ASP.NET Core session (<c>AddSessionSharing</c> refuses to start with it).
    /// </summary>
    PlainString = 1,
}
