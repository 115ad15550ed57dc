using HybridCacheKit.Internal;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit;

/// <summary>
/// What HybridCacheKit adds to the <see cref="HybridCache"/> API: a read that runs no factory, and factories that can
/// change how their result is cached. They work on the <see cref="HybridCache"/> registered by <c>AddHybridCacheKit</c>.
/// </summary>
public static class HybridCacheKitExtensions
{
    /// <summary>Reads a value without running a factory: from L1, else from L2 (which then fills L1).</summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="options">Flags (for example to skip a tier); expirations apply to the L1 copy made from an L2 hit.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Whether the key was found, and its value.</returns>
    public static ValueTask<HybridCacheLookup<T>> TryGetAsync<T>(this HybridCache cache, string key, HybridCacheEntryOptions? options = null, CancellationToken cancellationToken = default)
        => Engine(cache).TryGetAsync<T>(key, options, cancellationToken);

    /// <summary>
    /// Like <see cref="HybridCache.GetOrCreateAsync{TState, T}(string, TState, Func{TState, CancellationToken, ValueTask{T}}, HybridCacheEntryOptions?, IEnumerable{string}?, CancellationToken)"/>,
    /// but the factory also receives a <see cref="HybridCacheFactoryContext"/> through which it can change the
    /// expiration and tags of its result, decline to cache it, or read the stale value fail-safe holds.
    /// </summary>
    /// <typeparam name="TState">The state passed to the factory.</typeparam>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="state">The state passed to the factory.</param>
    /// <param name="factory">Produces the value on a miss.</param>
    /// <param name="options">Expirations and flags.</param>
    /// <param name="tags">The tags of the entry; the factory may change them.</param>
    /// <param name="cancellationToken">Cancels this caller's wait; the shared run is cancelled only when every caller has cancelled.</param>
    /// <returns>The cached or created value.</returns>
    public static ValueTask<T> GetOrCreateAsync<TState, T>(
        this HybridCache cache,
        string key,
        TState state,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
        => Engine(cache).GetOrCreateWithContextAsync(key, state, factory, options, tags, cancellationToken);

    /// <summary>
    /// Like <see cref="HybridCache.GetOrCreateAsync{T}(string, Func{CancellationToken, ValueTask{T}}, HybridCacheEntryOptions?, IEnumerable{string}?, CancellationToken)"/>,
    /// but the factory also receives a <see cref="HybridCacheFactoryContext"/> (see the overload with state).
    /// </summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="factory">Produces the value on a miss.</param>
    /// <param name="options">Expirations and flags.</param>
    /// <param name="tags">The tags of the entry; the factory may change them.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The cached or created value.</returns>
    public static ValueTask<T> GetOrCreateAsync<T>(
        this HybridCache cache,
        string key,
        Func<HybridCacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Engine(cache).GetOrCreateWithContextAsync(key, factory, static (f, context, ct) => f(context, ct), options, tags, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="HybridCache.SetAsync{T}(string, T, HybridCacheEntryOptions?, IEnumerable{string}?, CancellationToken)"/>,
    /// but the entry expires exactly when <paramref name="options"/> say: <see cref="HybridCacheKitOptions.ExpirationJitter"/>
    /// is not added. For entries whose lifetime is a promise made to someone else, such as an HTTP response that may be
    /// served for its <c>validFor</c> and not longer.
    /// </summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Expirations and flags.</param>
    /// <param name="tags">The tags of the entry.</param>
    /// <param name="cancellationToken">Counts until the change starts; once started it is completed (see SetAsync).</param>
    /// <returns>A task that completes when the value is stored.</returns>
    public static ValueTask SetExactAsync<T>(
        this HybridCache cache,
        string key,
        T value,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
        => Engine(cache).SetAsync(key, value, options, tags, applyJitter: false, cancellationToken);

    private static DefaultHybridCache Engine(HybridCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return cache as DefaultHybridCache
            ?? throw new NotSupportedException($"This method needs HybridCacheKit's HybridCache (register it with services.AddHybridCacheKit()); the HybridCache given is a {cache.GetType().FullName}.");
    }
}
