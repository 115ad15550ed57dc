using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// A cached endpoint that reads the session (a cart, a flash message) makes a personal response, although the request
/// carries no credentials and the response sets no cookie (an existing session's cookie is not sent again). Before the
/// cache looked at session use, the first user's cart was stored and served to everyone.
/// </summary>
public sealed class SessionResponseTests
{
    [Fact]
    public async Task Get_CachedEndpointReadsTheSession_ResponseIsNotStoredAndNobodyElseGetsIt()
    {
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseSession();
                app.UseDistributedResponseCache();
                app.MapGet("/fill", (HttpContext ctx) =>
                {
                    ctx.Session.SetString("cart", "alice's cart");
                    return "filled";
                });
                app.MapGet("/cart", (HttpContext ctx, CallCounter c) => $"cart: {ctx.Session.GetString("cart") ?? "empty"} {c.Next("cart")}").CacheResponse();
                app.MapGet("/plain", (CallCounter c) => $"plain {c.Next("plain")}").CacheResponse();
            },
            configureBuilder: b => b.Services.AddDistributedMemoryCache(),
            configureCache: cache => cache.AddSessionSharing(o => o.CookieSecurePolicy = CookieSecurePolicy.SameAsRequest));

        using var filled = await host.SendAsync(HttpMethod.Get, "/fill");
        var cookie = filled.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        var alice = await host.GetStringAsync("/cart", ("Cookie", cookie));
        var anonymous = await host.GetStringAsync("/cart");
        var aliceAgain = await host.GetStringAsync("/cart", ("Cookie", cookie));

        Assert.Equal("cart: alice's cart 1", alice);
        Assert.Equal("cart: empty 2", anonymous);
        Assert.Equal("cart: alice's cart 3", aliceAgain);

        // An endpoint that does not touch the session is cached as usual, with or without a session cookie.
        Assert.Equal("plain 1", await host.GetStringAsync("/plain", ("Cookie", cookie)));
        Assert.Equal("plain 1", await host.GetStringAsync("/plain"));
    }
}
