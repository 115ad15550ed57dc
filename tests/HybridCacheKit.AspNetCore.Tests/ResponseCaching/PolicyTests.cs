using HybridCacheKit.AspNetCore.ResponseCaching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>How endpoints get a policy: the attribute (MVC and minimal APIs), the convention, route groups, named policies.</summary>
public sealed class PolicyTests
{
    private static Task<CacheTestHost> StartMinimalAsync() => CacheTestHost.StartAsync(
        app =>
        {
            app.UseDistributedResponseCache();
            app.MapGet("/attr", [Cached] (CallCounter c) => $"attr {c.Next("attr")}");
            app.MapGet("/conv", (CallCounter c) => $"conv {c.Next("conv")}").CacheResponse();
            app.MapGet("/named", (CallCounter c, string? lang) => $"named {lang} {c.Next("named")}").CacheResponse("by-lang");
            app.MapGet("/built", (CallCounter c) => $"built {c.Next("built")}").CacheResponse(p => p.Duration(TimeSpan.FromSeconds(30)).Tags("built"));
            app.MapGet("/plain", (CallCounter c) => $"plain {c.Next("plain")}");
            app.MapGet("/nostore", [Cached(NoStore = true)] (CallCounter c) => $"nostore {c.Next("nostore")}");
            var group = app.MapGroup("/group").CacheResponse();
            group.MapGet("/a", (CallCounter c) => $"a {c.Next("group-a")}");
            group.MapGet("/off", (CallCounter c) => $"off {c.Next("group-off")}").CacheResponse(p => p.NoStore());
        },
        options => options.AddPolicy("by-lang", p => p.VaryByQuery("lang").Duration(TimeSpan.FromSeconds(20))));

    [Theory]
    [InlineData("/attr", "attr")]
    [InlineData("/conv", "conv")]
    [InlineData("/built", "built")]
    [InlineData("/group/a", "group-a")]
    public async Task Get_CachedMinimalEndpoint_RunsOnceAndServesTheSameBody(string url, string name)
    {
        await using var host = await StartMinimalAsync();

        var first = await host.GetStringAsync(url);
        var second = await host.GetStringAsync(url);
        var third = await host.GetStringAsync(url);

        Assert.EndsWith(" 1", first);
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Equal(1, host.Calls[name]);
    }

    [Theory]
    [InlineData("/plain", "plain")]
    [InlineData("/nostore", "nostore")]
    [InlineData("/group/off", "group-off")]
    public async Task Get_EndpointWithoutPolicyOrNoStore_RunsEveryTime(string url, string name)
    {
        await using var host = await StartMinimalAsync();

        await host.GetStringAsync(url);
        var second = await host.GetStringAsync(url);

        Assert.EndsWith(" 2", second);
        Assert.Equal(2, host.Calls[name]);
    }

    [Fact]
    public async Task Get_NamedPolicyVaryingByOneQueryKey_IgnoresOtherKeys()
    {
        await using var host = await StartMinimalAsync();

        var en = await host.GetStringAsync("/named?lang=en");
        var enOther = await host.GetStringAsync("/named?lang=en&utm=x");
        var fr = await host.GetStringAsync("/named?lang=fr");

        Assert.Equal("named en 1", en);
        Assert.Equal(en, enOther);
        Assert.Equal("named fr 2", fr);
    }

    [Theory]
    [InlineData("/mvc/cached/inherited", "mvc-inherited", 1)]
    [InlineData("/mvc/cached/off", "mvc-off", 2)]
    [InlineData("/mvc/plain/action", "mvc-action", 1)]
    [InlineData("/mvc/plain/json", "mvc-json", 1)]
    [InlineData("/mvc/plain/none", "mvc-none", 2)]
    public async Task Get_MvcAction_CachedAccordingToControllerAndActionAttributes(string url, string name, int expectedRuns)
    {
        await using var host = await StartMvcAsync();

        var first = await host.GetStringAsync(url);
        var second = await host.GetStringAsync(url);

        Assert.Equal(expectedRuns, host.Calls[name]);
        Assert.Equal(expectedRuns == 1, first == second);
    }

    [Fact]
    public async Task Get_MvcActionWithNamedPolicy_UsesThePolicysVaryByQuery()
    {
        await using var host = await StartMvcAsync();

        var en = await host.GetStringAsync("/mvc/cached/named?lang=en");
        var enAgain = await host.GetStringAsync("/mvc/cached/named?lang=en&other=1");
        var de = await host.GetStringAsync("/mvc/cached/named?lang=de");

        Assert.Equal("named en 1", en);
        Assert.Equal(en, enAgain);
        Assert.Equal("named de 2", de);
    }

    [Fact]
    public async Task Resolve_AttributeAndConventionWithSameSettings_BuildEqualPolicies()
    {
        await using var host = await CacheTestHost.StartAsync(app =>
        {
            app.UseDistributedResponseCache();
            app.MapGet("/a", [Cached(Duration = 42, LocalDuration = 7, Tags = ["t", "p:{id}"], VaryByQuery = ["q", "r"], VaryByHeader = ["X-A"], VaryByRouteValue = ["v"], VaryByUser = true)] () => "a");
            app.MapGet("/b", () => "b").CacheResponse(p => p
                .Duration(TimeSpan.FromSeconds(42)).LocalDuration(TimeSpan.FromSeconds(7)).Tags("t", "p:{id}")
                .VaryByQuery("r", "q").VaryByHeader("x-a").VaryByRouteValue("v").VaryByUser());
        });
        var resolver = host.App.Services.GetRequiredService<ResponseCachePolicyResolver>();
        var endpoints = host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints;

        var a = resolver.Get(endpoints.Single(e => (e as RouteEndpoint)?.RoutePattern.RawText == "/a"))!;
        var b = resolver.Get(endpoints.Single(e => (e as RouteEndpoint)?.RoutePattern.RawText == "/b"))!;

        Assert.Equal(a.Duration, b.Duration);
        Assert.Equal(TimeSpan.FromSeconds(42), a.Duration);
        Assert.Equal(a.LocalDuration, b.LocalDuration);
        Assert.Equal(a.QueryMode, b.QueryMode);
        Assert.Equal(a.QueryKeys, b.QueryKeys);
        Assert.Equal(a.HeaderNames, b.HeaderNames);
        Assert.Equal(a.RouteValueNames, b.RouteValueNames);
        Assert.Equal(a.VaryByUser, b.VaryByUser);
        Assert.Equal(a.Tags.Count, b.Tags.Count);
        Assert.Same(a, resolver.Get(endpoints.Single(e => (e as RouteEndpoint)?.RoutePattern.RawText == "/a")));
    }

    [Fact]
    public async Task Start_EndpointNamesUnknownPolicy_FailsWithMessageNamingPolicyAndEndpoint()
    {
        await using var app = CacheTestHost.Build(
            a =>
            {
                a.UseDistributedResponseCache();
                a.MapGet("/x", () => "x").CacheResponse("missing-policy");
            },
            null, null, null, null, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("missing-policy", error.Message);
        Assert.Contains("/x", error.Message);
    }

    [Fact]
    public async Task Start_TagTemplateMalformed_FailsAtStartUp()
    {
        await using var app = CacheTestHost.Build(
            a =>
            {
                a.UseDistributedResponseCache();
                a.MapGet("/x/{id}", [Cached(Tags = ["product:{id"])] (int id) => "x");
            },
            null, null, null, null, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("product:{id", error.Message);
    }

    [Theory]
    [InlineData("Authorization")]
    [InlineData("cookie")]
    [InlineData("Proxy-Authorization")]
    public async Task Start_VaryByCredentialHeader_FailsAtStartUpPointingToVaryByUser(string header)
    {
        // Readable keys would put bearer tokens and session cookies into Redis key names.
        await using var app = CacheTestHost.Build(
            a =>
            {
                a.UseDistributedResponseCache();
                a.MapGet("/x", () => "x").CacheResponse(p => p.VaryByHeader(header));
            },
            null, null, null, null, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("VaryByUser", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(header.ToLowerInvariant(), error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NegativeDurationOnAttribute_FailsAtStartUp()
    {
        await using var app = CacheTestHost.Build(
            a =>
            {
                a.UseDistributedResponseCache();
                a.MapGet("/x", [Cached(Duration = -5)] () => "x");
            },
            null, null, null, null, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("Duration must be positive", error.Message);
    }

    [Theory]
    [InlineData("duration")]
    [InlineData("local")]
    [InlineData("body")]
    [InlineData("status")]
    [InlineData("policy")]
    [InlineData("nested")]
    public async Task Start_InvalidOptions_FailsNamingTheSetting(string bad)
    {
        await using var app = CacheTestHost.Build(
            a =>
            {
                a.UseDistributedResponseCache();
                a.MapGet("/x", () => "x").CacheResponse();
            },
            o =>
            {
                switch (bad)
                {
                    case "duration": o.DefaultDuration = TimeSpan.Zero; break;
                    case "local": o.DefaultLocalDuration = TimeSpan.FromSeconds(-1); break;
                    case "body": o.MaximumBodySize = 0; break;
                    case "status": o.CacheableStatusCodes.Add(304); break;
                    case "policy": o.AddPolicy("p", p => p.VaryByHeader("bad header")); break;
                    case "nested": o.AddPolicy("p", p => p.UsePolicy("q")); break;
                }
            },
            null, null, null, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        var expected = bad switch
        {
            "duration" => "DefaultDuration",
            "local" => "DefaultLocalDuration",
            "body" => "MaximumBodySize",
            "status" => "CacheableStatusCodes",
            _ => "policy 'p'",
        };
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Start_MaximumBodySizeNotBelowEnginePayloadLimit_FailsNamingBothSettings()
    {
        await using var app = CacheTestHost.Build(
            a =>
            {
                a.UseDistributedResponseCache();
                a.MapGet("/x", () => "x").CacheResponse();
            },
            o => o.MaximumBodySize = 4 * 1024 * 1024,
            null, null, null, out _);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("MaximumBodySize", error.Message);
        Assert.Contains("MaximumPayloadBytes", error.Message);
    }

    [Fact]
    public void UseDistributedResponseCache_WithoutAddDistributedResponseCache_ThrowsClearError()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddHybridCacheKit();
        var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseDistributedResponseCache());

        Assert.Contains("AddDistributedResponseCache", error.Message);
    }

    [Fact]
    public void UseDistributedResponseCache_WithoutHybridCache_ThrowsClearError()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddDistributedResponseCache();
        var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.UseDistributedResponseCache());

        Assert.Contains("AddHybridCacheKit", error.Message);
    }

    [Fact]
    public async Task AddDistributedResponseCache_CalledTwice_KeepsBothConfigurationsAndOneSerializer()
    {
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseDistributedResponseCache();
                app.MapGet("/x", (CallCounter c) => $"x {c.Next("x")}").CacheResponse("second");
            },
            o => o.AddPolicy("first", p => p.Duration(TimeSpan.FromSeconds(5))),
            b => b.Services.AddDistributedResponseCache(o => o.AddPolicy("second", p => p.Duration(TimeSpan.FromSeconds(5)))));

        await host.GetStringAsync("/x");
        await host.GetStringAsync("/x");

        Assert.Equal(1, host.Calls["x"]);
        Assert.Single(host.App.Services.GetServices<Microsoft.Extensions.Caching.Hybrid.IHybridCacheSerializer<CachedResponse>>());
        var options = host.App.Services.GetRequiredService<IOptions<DistributedResponseCacheOptions>>().Value;
        Assert.Equal(2, options.Policies.Count);
    }

    [Fact]
    public async Task Get_EndpointRequiringAuthorizationWithoutVaryByUser_IsNotCachedAndLogsWhy()
    {
        await using var host = await StartMvcAsync();

        await host.GetStringAsync("/mvc/plain/secret", TestAuthentication.As("alice"));
        var second = await host.GetStringAsync("/mvc/plain/secret", TestAuthentication.As("alice"));

        Assert.Equal("secret alice 2", second);
        Assert.Contains(host.Logs.WithEventId(3001), e => e.Message.Contains("Secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_EndpointRequiringAuthorizationWithVaryByUser_IsCachedPerUser()
    {
        await using var host = await StartMvcAsync();

        var alice1 = await host.GetStringAsync("/mvc/plain/mine", TestAuthentication.As("alice"));
        var bob1 = await host.GetStringAsync("/mvc/plain/mine", TestAuthentication.As("bob"));
        var alice2 = await host.GetStringAsync("/mvc/plain/mine", TestAuthentication.As("alice"));
        var bob2 = await host.GetStringAsync("/mvc/plain/mine", TestAuthentication.As("bob"));

        Assert.Equal("mine alice 1", alice1);
        Assert.Equal("mine bob 2", bob1);
        Assert.Equal(alice1, alice2);
        Assert.Equal(bob1, bob2);
    }

    internal static Task<CacheTestHost> StartMvcAsync() => CacheTestHost.StartAsync(
        app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseDistributedResponseCache();
            app.MapControllers();
        },
        options => options.AddPolicy("by-lang", p => p.VaryByQuery("lang")),
        builder =>
        {
            TestAuthentication.Add(builder);
            builder.Services.AddResponseCachingTestControllers();
        });
}
