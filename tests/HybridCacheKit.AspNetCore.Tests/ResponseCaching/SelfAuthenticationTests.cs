using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// The key's user part is taken before the endpoint runs, but an endpoint can authenticate the request itself: a scheme
/// that is not the default (here an API key in a header the cache does not treat as credentials), through
/// <c>HttpContext.AuthenticateAsync</c>, an MVC AuthorizeFilter whose policy names its schemes, or a cache placed
/// before <c>UseAuthorization()</c>. Its response is personal while the key says anonymous (or another user). Before
/// the user was checked again after the run, the first caller's personal response was served to everyone.
/// </summary>
public sealed class SelfAuthenticationTests
{
    private const string ApiKeyScheme = "ApiKey";

    [Fact]
    public async Task Get_EndpointAuthenticatesTheRequestItself_ItsResponseIsNotStoredForAnonymous()
    {
        await using var host = await StartAsync();

        var alice = await host.GetStringAsync("/self", ("X-Api-Key", "alice"));
        var anonymous = await host.GetStringAsync("/self");
        var anonymousAgain = await host.GetStringAsync("/self");

        Assert.Equal("self alice 1", alice);
        Assert.Equal("self  2", anonymous);
        Assert.Equal(anonymous, anonymousAgain);
        Assert.Equal(2, host.Calls["self"]);
    }

    [Fact]
    public async Task Get_VaryByUserEndpointSwitchesToAnotherUser_ItsResponseIsNotStoredUnderTheFirstUser()
    {
        await using var host = await StartAsync();

        // Signed in as bob by the default scheme (the key's user), the endpoint re-authenticates as alice.
        var switched = await host.GetStringAsync("/self-per-user", TestAuthentication.As("bob"), ("X-Api-Key", "alice"));
        var bob = await host.GetStringAsync("/self-per-user", TestAuthentication.As("bob"));

        Assert.Equal("self-per-user alice 1", switched);
        Assert.Equal("self-per-user bob 2", bob);
    }

    private static Task<CacheTestHost> StartAsync() => CacheTestHost.StartAsync(
        app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseDistributedResponseCache();
            app.MapGet("/self", (HttpContext ctx, CallCounter c) => RespondAsync(ctx, c, "self")).CacheResponse();
            app.MapGet("/self-per-user", (HttpContext ctx, CallCounter c) => RespondAsync(ctx, c, "self-per-user")).CacheResponse(p => p.VaryByUser());
        },
        configureBuilder: b =>
        {
            TestAuthentication.Add(b);
            b.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyScheme, _ => { });
        });

    private static async Task<string> RespondAsync(HttpContext context, CallCounter counter, string name)
    {
        var result = await context.AuthenticateAsync(ApiKeyScheme);
        if (result.Succeeded)
        {
            context.User = result.Principal;
        }

        return $"{name} {context.User.Identity?.Name} {counter.Next(name)}";
    }

    /// <summary><c>X-Api-Key: &lt;user&gt;</c> signs in as that user.</summary>
    private sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var user = Request.Headers["X-Api-Key"].ToString();
            if (user.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user), new Claim(ClaimTypes.Name, user)], ApiKeyScheme);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyScheme)));
        }
    }
}
