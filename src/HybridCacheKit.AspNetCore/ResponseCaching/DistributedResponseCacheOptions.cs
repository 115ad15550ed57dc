using HybridCacheKit.AspNetCore.ResponseCaching;

namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Defaults and named policies of the distributed response cache (<c>[Cached]</c>, <c>.CacheResponse(...)</c>). Set them in
/// <c>services.AddDistributedResponseCache(options => ...)</c>; they are validated at start-up.
/// </summary>
public sealed class DistributedResponseCacheOptions
{
    private readonly Dictionary<string, ResponseCachePolicySettings> _policies = new(StringComparer.Ordinal);

    /// <summary>How long a response stays cached when its policy does not say.</summary>
    /// <value>60 seconds.</value>
    public TimeSpan DefaultDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a node keeps a response in its own memory when the policy does not say; null means the duration.</summary>
    /// <value>Null (the whole duration).</value>
    public TimeSpan? DefaultLocalDuration { get; set; }

    /// <summary>
    /// The largest response body that is cached. A larger body is streamed to the client as it is written, without being
    /// buffered whole, and is not cached. Must be below the engine's <c>MaximumPayloadBytes</c> (1 MiB by default), which
    /// bounds the whole stored entry.
    /// </summary>
    /// <value>512 KiB.</value>
    public long MaximumBodySize { get; set; } = 512 * 1024;

    /// <summary>The response status codes that may be cached. Anything else (errors, redirects, 204) passes through uncached.</summary>
    /// <value>200 only.</value>
    public ISet<int> CacheableStatusCodes { get; } = new HashSet<int> { 200 };

    /// <summary>
    /// Whether a client's <c>Cache-Control: no-cache</c>, <c>max-age=0</c> or <c>Pragma: no-cache</c> makes the request bypass
    /// the cache (it then runs the endpoint and stores nothing). Off by default, so clients cannot force work on the server.
    /// </summary>
    /// <value>False.</value>
    public bool HonorRequestCacheControl { get; set; }

    /// <summary>
    /// The secret of the keyed hash (HMAC-SHA256) that turns a user id into the key part of <c>VaryByUser</c> entries. Give
    /// every node the same value. Without one, a fixed built-in key is used: the id still never appears in a key, but
    /// someone who can list the keys could confirm a guessed id.
    /// </summary>
    /// <value>Null (the built-in key).</value>
    public string? UserHashSecret { get; set; }

    internal IReadOnlyDictionary<string, ResponseCachePolicySettings> Policies => _policies;

    /// <summary>Registers (or replaces) a named policy, used through <c>[Cached(PolicyName = "...")]</c> or <c>.CacheResponse("...")</c>.</summary>
    /// <param name="name">The policy's name (case-sensitive).</param>
    /// <param name="configure">The policy's settings.</param>
    /// <returns>These options.</returns>
    public DistributedResponseCacheOptions AddPolicy(string name, Action<ResponseCachePolicyBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new ResponseCachePolicyBuilder();
        configure(builder);
        _policies[name] = builder.Build();
        return this;
    }
}
