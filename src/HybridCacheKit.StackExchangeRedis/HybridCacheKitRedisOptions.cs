using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis;

/// <summary>Settings of HybridCacheKit's Redis package: connection, key prefix, timeouts, circuit breaker, backplane and lock.</summary>
public sealed class HybridCacheKitRedisOptions
{
    /// <summary>A StackExchange.Redis configuration string, such as <c>localhost:6379,password=...,ssl=true</c>.</summary>
    /// <value>Defaults to <see langword="null"/>. One of <see cref="Configuration"/>, <see cref="ConfigurationOptions"/> or <see cref="ConnectionMultiplexerFactory"/> is required.</value>
    public string? Configuration { get; set; }

    /// <summary>Connection settings as an object; wins over <see cref="Configuration"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>Supplies an existing connection (for example one the application already shares); wins over both configuration settings. The package does not dispose it.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public Func<Task<IConnectionMultiplexer>>? ConnectionMultiplexerFactory { get; set; }

    /// <summary>
    /// Prepended to every Redis key and channel, so several applications can share one Redis. Same meaning as
    /// <c>InstanceName</c> in Microsoft's Redis cache, so existing entries and sessions stay readable.
    /// </summary>
    /// <value>Defaults to the empty string.</value>
    public string InstanceName { get; set; } = string.Empty;

    /// <summary>The longest one Redis operation may take before the caller stops waiting (StackExchange.Redis 1.x has no timeout on async calls).</summary>
    /// <value>Defaults to 250 milliseconds.</value>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Consecutive failed or timed-out operations after which the circuit opens and Redis is not called for <see cref="CircuitBreakDuration"/>.</summary>
    /// <value>Defaults to 5.</value>
    public int CircuitBreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long an open circuit stays open before one probe is let through.</summary>
    /// <value>Defaults to 2 seconds.</value>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Register the pub/sub backplane that keeps every node's L1 coherent.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool EnableBackplane { get; set; } = true;

    /// <summary>Register the distributed lock that makes one node compute a missing key while the others wait.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool EnableDistributedLock { get; set; } = true;

    /// <summary>How long a node may hold a key's lock; if it dies, another node takes over after this.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan LockExpiry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest a node waits for another node's result before running its own factory.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan LockWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How values are stored: Microsoft's hash layout (the default) or plain strings that other languages read.</summary>
    /// <value>Defaults to <see cref="RedisValueLayout.MicrosoftHash"/>.</value>
    public RedisValueLayout ValueLayout { get; set; } = RedisValueLayout.MicrosoftHash;

    /// <summary>
    /// Use server-side Lua (EVAL/EVALSHA) where it saves round trips (sliding expiration refresh, lock release).
    /// When the server refuses scripts (an ACL without <c>+eval</c>/<c>+evalsha</c>), the package falls back to plain
    /// commands on its own; set this to <see langword="false"/> to never try.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool UseScripts { get; set; } = true;
}
