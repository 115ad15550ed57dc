using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// The distributed cache as one request's session sees it. ASP.NET Core's <c>DistributedSession</c> reads the entry
/// when the session is first used, then, at the end of the request, either writes it (modified) or calls Refresh to
/// renew its sliding expiration (unmodified); with Information logging on, a modified commit also reads the entry
/// once more just to log whether the session is new. This wrapper drops the round trips that cannot change anything:
/// <list type="bullet">
/// <item>Refresh after this request has read or written the entry: the read already renewed the sliding expiration
/// (every <see cref="IDistributedCache"/> renews it on Get: HybridCacheKit's Redis cache in the same EVALSHA,
/// Microsoft's caches too), and a write sets a fresh one. The expiry then counts from the read rather than from the
/// end of the request, a difference of the request's duration;</item>
/// <item>a second read in the same request: answered from the first (a write in between replaces what is remembered);</item>
/// <item>any read or Refresh of a session key the middleware has just created (no cookie, or an unreadable one): it
/// is 16 random bytes no entry can have been stored under.</item>
/// </list>
/// So an unmodified session costs one round trip per request, a modified one two, and a request without a session
/// cookie none until it stores something. One instance per request; not thread-safe (neither is the session).
/// </summary>
internal sealed class RequestSessionCache : IDistributedCache
{
    private readonly IDistributedCache _inner;
    private readonly string _prefix;
    private readonly string _sessionKey;
    private readonly bool _isNewSessionKey;

    // What this request knows of the entry: set once it was read or written (the data, or null when there is none).
    private bool _known;
    private byte[]? _data;

    public RequestSessionCache(IDistributedCache inner, string prefix, string sessionKey, bool isNewSessionKey)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(sessionKey);
        _inner = inner;
        _prefix = prefix;
        _sessionKey = sessionKey;
        _isNewSessionKey = isNewSessionKey;
        _known = isNewSessionKey;
    }

    public byte[]? Get(string key)
    {
        if (IsThisSession(key) && _known)
        {
            return _data;
        }

        var data = _inner.Get(StoreKey(key));
        Remember(key, data);
        return data;
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (IsThisSession(key) && _known)
        {
            token.ThrowIfCancellationRequested();
            return _data;
        }

        var data = await _inner.GetAsync(StoreKey(key), token).ConfigureAwait(false);
        Remember(key, data);
        return data;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        _inner.Set(StoreKey(key), value, options);
        Remember(key, value);
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await _inner.SetAsync(StoreKey(key), value, options, token).ConfigureAwait(false);
        Remember(key, value);
    }

    public void Refresh(string key)
    {
        if (!IsThisSession(key) || !_known)
        {
            _inner.Refresh(StoreKey(key));
        }
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        if (IsThisSession(key) && _known)
        {
            return token.IsCancellationRequested ? Task.FromCanceled(token) : Task.CompletedTask;
        }

        return _inner.RefreshAsync(StoreKey(key), token);
    }

    public void Remove(string key)
    {
        _inner.Remove(StoreKey(key));
        Forget(key);
    }

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await _inner.RemoveAsync(StoreKey(key), token).ConfigureAwait(false);
        Forget(key);
    }

    /// <summary>Whether <paramref name="key"/> is the session this request holds (DistributedSession asks for no other).</summary>
    private bool IsThisSession(string key) => string.Equals(key, _sessionKey, StringComparison.Ordinal);

    private string StoreKey(string key) => _prefix.Length == 0 ? key : _prefix + key;

    private void Remember(string key, byte[]? data)
    {
        if (IsThisSession(key))
        {
            _known = true;
            _data = data;
        }
    }

    private void Forget(string key)
    {
        if (IsThisSession(key))
        {
            // After a removal nothing is stored; a later Refresh has nothing to renew either.
            _known = true;
            _data = null;
        }
    }
}
