using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// The session <c>AddSessionSharing()</c> hands to a request: the framework's session, noting whether the request
/// used it. A response made from session data (a cart, a flash message) is personal even though the request carries
/// no credentials and the response sets no cookie (an existing session's cookie is not sent again), so the response
/// cache refuses to store a response whose request used its session (<see cref="WasUsed"/>).
/// </summary>
internal sealed class TrackedSession(ISession inner) : ISession
{
    private volatile bool _used;

    /// <summary>Whether anything of the session was read or written (its id included) during the request.</summary>
    public bool WasUsed => _used;

    public bool IsAvailable => Use().IsAvailable;

    public string Id => Use().Id;

    public IEnumerable<string> Keys => Use().Keys;

    public Task LoadAsync(CancellationToken cancellationToken = default) => Use().LoadAsync(cancellationToken);

    // Saving is the session middleware's own step after the response: not a use by the endpoint.
    public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

    public bool TryGetValue(string key, [NotNullWhen(true)] out byte[]? value) => Use().TryGetValue(key, out value);

    public void Set(string key, byte[] value) => Use().Set(key, value);

    public void Remove(string key) => Use().Remove(key);

    public void Clear() => Use().Clear();

    private ISession Use()
    {
        _used = true;
        return inner;
    }
}
