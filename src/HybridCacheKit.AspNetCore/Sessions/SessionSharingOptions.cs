using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Settings of <c>AddSessionSharing()</c>: ASP.NET Core session over the registered distributed cache, with a session
/// cookie that every node of the application can read. The defaults suit load-balanced HTTPS applications.
/// </summary>
public sealed class SessionSharingOptions
{
    /// <summary>
    /// The Data Protection application name. Every node must use the same one (and the same key ring) to read each
    /// other's session cookies. When set, it is applied to Data Protection (and wins over <c>SetApplicationName</c>).
    /// When not set, a name configured elsewhere (<c>SetApplicationName</c>, <c>AddRedisDataProtection(name)</c>) is
    /// kept; if there is none, the host's application name (the entry assembly's name, the same on every node running
    /// the same build) replaces Data Protection's own default, the content root path, which differs between machines.
    /// </summary>
    /// <value>Defaults to <see langword="null"/> (see above).</value>
    public string? ApplicationName { get; set; }

    /// <summary>How long a session lives without requests. Each request renews it (sliding expiration).</summary>
    /// <value>Defaults to 20 minutes, as ASP.NET Core's session.</value>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>The longest loading or storing a session may take before the request gives up on it.</summary>
    /// <value>Defaults to 1 minute, as ASP.NET Core's session.</value>
    public TimeSpan IOTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest one call to the session store (a load, a save or a renewal) may wait for the server before it fails.
    /// Sessions are not a cache: a save that gives up loses what the user did, and ASP.NET Core only logs that after the
    /// response has gone. So when the distributed cache offers a view for such data (HybridCacheKit's Redis cache does),
    /// session calls use it: they wait up to this long instead of the cache's own, short operation timeout, and the
    /// cache's circuit breaker neither refuses them nor counts them. Other caches are used with their own timeouts.
    /// <see cref="IOTimeout"/> still bounds a whole load or save.
    /// </summary>
    /// <value>Defaults to 5 seconds, StackExchange.Redis's own timeout, which Microsoft's Redis cache gives sessions.</value>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The session cookie's name.</summary>
    /// <value>Defaults to <c>.AspNetCore.Session</c>, ASP.NET Core's name, so existing sessions carry over.</value>
    public string CookieName { get; set; } = ".AspNetCore.Session";

    /// <summary>
    /// When the cookie carries the <c>Secure</c> attribute. <see cref="CookieSecurePolicy.Always"/> is right behind a
    /// load balancer that terminates TLS (the browser sees HTTPS even when the node sees HTTP); browsers also accept
    /// secure cookies from <c>http://localhost</c>. Use <see cref="CookieSecurePolicy.SameAsRequest"/> only for
    /// plain-HTTP test set-ups.
    /// </summary>
    /// <value>Defaults to <see cref="CookieSecurePolicy.Always"/> (ASP.NET Core's session default is <see cref="CookieSecurePolicy.None"/>).</value>
    public CookieSecurePolicy CookieSecurePolicy { get; set; } = CookieSecurePolicy.Always;

    /// <summary>The cookie's <c>SameSite</c> attribute. <see cref="SameSiteMode.None"/> requires <see cref="CookieSecurePolicy.Always"/>.</summary>
    /// <value>Defaults to <see cref="SameSiteMode.Lax"/>.</value>
    public SameSiteMode CookieSameSite { get; set; } = SameSiteMode.Lax;

    /// <summary>The cookie's domain, to share it across subdomains.</summary>
    /// <value>Defaults to <see langword="null"/>: the host that set it.</value>
    public string? CookieDomain { get; set; }

    /// <summary>The cookie's path.</summary>
    /// <value>Defaults to <c>/</c>.</value>
    public string CookiePath { get; set; } = "/";

    /// <summary>Whether the cookie is set even when the user has not consented to non-essential cookies (<c>CookiePolicyOptions.CheckConsentNeeded</c>).</summary>
    /// <value>Defaults to <see langword="false"/>, as ASP.NET Core's session.</value>
    public bool CookieIsEssential { get; set; }

    /// <summary>
    /// Put in front of each session's key in the distributed cache. Empty keeps ASP.NET Core's keys, so sessions
    /// written by <c>AddSession()</c> over Microsoft's Redis cache stay readable after switching (and back).
    /// </summary>
    /// <value>Defaults to an empty string.</value>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>
    /// Declares that the Data Protection key ring is shared even though start-up cannot tell (for example
    /// <c>PersistKeysToFileSystem</c> on a network share every node mounts, or no repository configured on a host whose
    /// default key folder is shared, such as Azure App Service's <c>%HOME%</c>). Silences the start-up warning about
    /// it, except for the ephemeral provider, whose keys never leave the process.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool KeyRingIsShared { get; set; }
}
