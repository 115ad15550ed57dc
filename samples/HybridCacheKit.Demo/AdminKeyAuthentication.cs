using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.Demo;

/// <summary>
/// The demo's admin authentication: a request is the admin when its <c>X-Admin-Key</c> header equals the configured
/// <c>Demo:AdminKey</c> (compared in constant time). With no key configured nobody is. A real app would use its own
/// scheme (JWT, cookies, mTLS) and a role or scope in the <c>cache-admin</c> policy.
/// </summary>
internal sealed class AdminKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = configuration["Demo:AdminKey"];
        if (string.IsNullOrEmpty(expected) || !Request.Headers.TryGetValue("X-Admin-Key", out var supplied) || supplied.Count != 1)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var match = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(supplied.ToString()), Encoding.UTF8.GetBytes(expected));
        if (!match)
        {
            return Task.FromResult(AuthenticateResult.Fail("Wrong admin key."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "cache-admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
