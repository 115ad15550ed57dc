using System.Net;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>The admin endpoints require authorization, and an application that forgets it does not start.</summary>
public sealed class AdminEndpointAuthorizationTests
{
    private static Task<InvalidationTestApp> StartAsync(Action<IEndpointRouteBuilder> map, Action<WebApplicationBuilder>? configure = null)
        => InvalidationTestApp.StartAsync(configure, app => map(app));

    private static HttpRequestMessage DeleteTag(string tag, string? user = null, string? roles = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, "/_cache/tags/" + Uri.EscapeDataString(tag));
        if (user is not null)
        {
            request.Headers.Add(TestAuthHandler.UserHeader, user);
        }

        if (roles is not null)
        {
            request.Headers.Add(TestAuthHandler.RolesHeader, roles);
        }

        return request;
    }

    public static TheoryData<string> ProtectedMappings => ["option", "chained", "group", "policy-object"];

    private static void MapProtected(IEndpointRouteBuilder app, string how)
    {
        switch (how)
        {
            case "option":
                app.MapCacheInvalidation("/_cache", o => o.AuthorizationPolicy = TestAuthHandler.AdminPolicy);
                break;
            case "chained":
                app.MapCacheInvalidation("/_cache").RequireAuthorization(TestAuthHandler.AdminPolicy);
                break;
            case "group":
                app.MapGroup("").RequireAuthorization(TestAuthHandler.AdminPolicy).MapCacheInvalidation("/_cache");
                break;
            case "policy-object":
                app.MapCacheInvalidation("/_cache").RequireAuthorization(p => p.RequireRole(TestAuthHandler.AdminRole));
                break;
        }
    }

    [Theory]
    [MemberData(nameof(ProtectedMappings))]
    public async Task Anonymous_Gets401_NothingEvicted(string how)
    {
        await using var app = await StartAsync(a => MapProtected(a, how));
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.SendAsync(DeleteTag("product:42"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }

    [Theory]
    [MemberData(nameof(ProtectedMappings))]
    public async Task UserWithoutTheRole_Gets403_NothingEvicted(string how)
    {
        await using var app = await StartAsync(a => MapProtected(a, how));
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.SendAsync(DeleteTag("product:42", "mallory", "editor"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
    }

    [Theory]
    [MemberData(nameof(ProtectedMappings))]
    public async Task Admin_Gets204_TagEvicted(string how)
    {
        await using var app = await StartAsync(a => MapProtected(a, how));
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");
        await CacheProbe.SeedAsync(app.Cache, "p7", "product:7");

        using var response = await app.Client.SendAsync(DeleteTag("product:42", "alice", TestAuthHandler.AdminRole));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "p7", "product:7"));
    }

    [Fact]
    public async Task NoPolicy_ApplicationFailsToStart_WithAClearMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(a => a.MapCacheInvalidation("/_cache")));

        Assert.Contains("'/_cache' have no authorization requirement", error.Message);
        Assert.Contains("AuthorizationPolicy", error.Message);
        Assert.Contains("AllowAnonymous = true", error.Message);
    }

    [Fact]
    public async Task NoPolicy_FailsAtStartUp_NotAtFirstRequest()
    {
        // The host must not come up at all: StartAsync throws before any request could be served.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Services.AddHybridCacheKit();
        builder.Services.AddCacheInvalidator();
        TestAuthHandler.AddTestAuthentication(builder.Services);
        await using var app = builder.Build();
        app.MapCacheInvalidation("/_cache");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
        Assert.Contains("no authorization requirement", error.Message);
    }

    [Fact]
    public async Task EnclosingGroupAllowsAnonymous_WithoutOptIn_ApplicationFailsToStart()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(a => a.MapGroup("/ops").AllowAnonymous().MapCacheInvalidation("/_cache")));

        Assert.Contains("[AllowAnonymous]", error.Message);
    }

    [Fact]
    public async Task PolicyNotRegistered_ApplicationFailsToStart_NamingIt()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(a => a.MapCacheInvalidation("/_cache", o => o.AuthorizationPolicy = "no-such-policy")));

        Assert.Contains("'no-such-policy'", error.Message);
        Assert.Contains("not registered", error.Message);
    }

    [Fact]
    public async Task ChainedPolicyNotRegistered_ApplicationFailsToStart_NamingIt()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(a => a.MapCacheInvalidation("/_cache").RequireAuthorization("typo-policy")));

        Assert.Contains("'typo-policy'", error.Message);
    }

    [Fact]
    public async Task AllowAnonymous_OptIn_Starts_AnyoneCanEvict_AndAWarningIsLogged()
    {
        await using var app = await StartAsync(a => a.MapCacheInvalidation("/_cache", o => o.AllowAnonymous = true));
        await CacheProbe.SeedAsync(app.Cache, "p42", "product:42");

        using var response = await app.Client.SendAsync(DeleteTag("product:42"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "p42", "product:42"));
        Assert.Single(app.Logs.WithEventId(3213));
    }

    [Fact]
    public async Task PolicyAndAllowAnonymous_Together_ThrowWhenMapping()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(a => a.MapCacheInvalidation("/_cache", o =>
        {
            o.AuthorizationPolicy = TestAuthHandler.AdminPolicy;
            o.AllowAnonymous = true;
        })));

        Assert.Contains("contradict", error.Message);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(100, -1)]
    public async Task NonPositiveLimits_ThrowWhenMapping_NamingTheSetting(int maxItems, int maxBody)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(a => a.MapCacheInvalidation("/_cache", o =>
        {
            o.AuthorizationPolicy = TestAuthHandler.AdminPolicy;
            o.MaxItemsPerRequest = maxItems;
            o.MaxRequestBodyBytes = maxBody;
        })));

        Assert.Contains(maxItems <= 0 ? "MaxItemsPerRequest" : "MaxRequestBodyBytes", error.Message);
    }

    [Fact]
    public async Task WithoutAddCacheInvalidator_MappingExplainsWhatToRegister()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InvalidationTestApp.StartAsync(
            b => b.Services.AddHybridCacheKit(),
            app => app.MapCacheInvalidation("/_cache", o => o.AllowAnonymous = true),
            addDefaults: false));

        Assert.Contains("AddCacheInvalidator()", error.Message);
    }
}
