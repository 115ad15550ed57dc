using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>Applies <see cref="SessionSharingOptions"/> to ASP.NET Core's <see cref="SessionOptions"/>.</summary>
internal sealed class SessionOptionsSetup(IOptions<SessionSharingOptions> sharing) : IConfigureOptions<SessionOptions>
{
    public void Configure(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var s = sharing.Value;
        options.IdleTimeout = s.IdleTimeout;
        options.IOTimeout = s.IOTimeout;
        options.Cookie.Name = s.CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SecurePolicy = s.CookieSecurePolicy;
        options.Cookie.SameSite = s.CookieSameSite;
        options.Cookie.Domain = s.CookieDomain;
        options.Cookie.Path = s.CookiePath;
        options.Cookie.IsEssential = s.CookieIsEssential;
    }
}
