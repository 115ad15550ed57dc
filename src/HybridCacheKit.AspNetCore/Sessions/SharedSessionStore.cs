using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// The <see cref="ISessionStore"/> of <c>AddSessionSharing()</c>: ASP.NET Core's own <see cref="DistributedSession"/>
/// (same stored format, same behaviour), over a <see cref="RequestSessionCache"/> per request that saves the round
/// trips a request does not need, over the distributed cache's view for durable data where it has one
/// (<see cref="SessionStoreCache"/>).
/// </summary>
internal sealed class SharedSessionStore : ISessionStore
{
    private readonly IDistributedCache _cache;
    private readonly ILoggerFactory _loggerFactory;
    private readonly string _prefix;

    public SharedSessionStore(IServiceProvider services, IOptions<SessionSharingOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        _cache = SessionStoreCache.Resolve(services, options.Value);
        // The framework's session logs its raw session key; the wrapper keeps it out of the application's logs.
        _loggerFactory = loggerFactory is null ? NullLoggerFactory.Instance : new SessionKeyRedactingLoggerFactory(loggerFactory);
        _prefix = options.Value.KeyPrefix;
    }

    public ISession Create(string sessionKey, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionKey);
        ArgumentNullException.ThrowIfNull(tryEstablishSession);
        var cache = new RequestSessionCache(_cache, _prefix, sessionKey, isNewSessionKey);
        return new TrackedSession(new DistributedSession(cache, sessionKey, idleTimeout, ioTimeout, tryEstablishSession, _loggerFactory, isNewSessionKey));
    }
}
