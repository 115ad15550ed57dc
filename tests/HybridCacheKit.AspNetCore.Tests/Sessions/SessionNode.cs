using System.Net;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>How a <see cref="SessionNode"/> sets up session.</summary>
internal enum SessionSetup
{
    /// <summary><c>AddHybridCacheKit().AddStackExchangeRedis(...).AddRedisDataProtection(name).AddSessionSharing()</c>.</summary>
    Sharing,

    /// <summary>
    /// The framework's own <c>AddSession()</c> over HybridCacheKit's Redis <c>IDistributedCache</c>, with the same key
    /// ring and name: the baseline the round trips are compared with.
    /// </summary>
    FrameworkSession,

    /// <summary>
    /// <see cref="FrameworkSession"/> with the Redis cache's scripts off (<c>UseScripts = false</c>): every read is
    /// HMGET then EXPIRE, the commands Microsoft's RedisCache sends. A stand-in for session over Microsoft's
    /// RedisCache, which this machine's package feed does not have.
    /// </summary>
    FrameworkSessionWithoutScripts,
}

/// <summary>
/// One application node for the session tests: its own host, service provider and TestServer. Cookies are carried by
/// hand (<see cref="SendAsync"/>), so a test decides exactly which cookie each node sees.
/// </summary>
internal sealed class SessionNode : IAsyncDisposable
{
    public const string CookieName = ".AspNetCore.Session";

    private HttpClient? _client;

    private SessionNode(WebApplication app, CapturingLoggerProvider logs)
    {
        App = app;
        Logs = logs;
    }

    public WebApplication App { get; }

    public CapturingLoggerProvider Logs { get; }

    public HttpClient Client => _client ??= App.GetTestClient();

    public static async Task<SessionNode> StartAsync(
        string redisConfiguration,
        string instanceName,
        string applicationName = "session-tests",
        SessionSetup setup = SessionSetup.Sharing,
        Action<SessionSharingOptions>? configure = null,
        Action<HybridCacheKitRedisOptions>? configureRedis = null)
    {
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        void Redis(HybridCacheKitRedisOptions o)
        {
            o.Configuration = redisConfiguration;
            o.InstanceName = instanceName;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
            o.UseScripts = setup != SessionSetup.FrameworkSessionWithoutScripts;
            configureRedis?.Invoke(o);
        }

        if (setup == SessionSetup.Sharing)
        {
            builder.Services.AddHybridCacheKit()
                .AddStackExchangeRedis(Redis)
                .AddRedisDataProtection(applicationName)
                .AddSessionSharing(configure);
        }
        else
        {
            builder.Services.AddHybridCacheKitRedisCache(Redis);
            builder.Services.AddDataProtection().SetApplicationName(applicationName).PersistKeysToHybridCacheKitRedis();
            builder.Services.AddSession();
        }

        var app = builder.Build();
        app.UseSession();
        app.MapGet("/session/set", (HttpContext context, string name, string value) =>
        {
            context.Session.SetString(name, value);
            return "ok";
        });
        app.MapGet("/session/get", (HttpContext context, string name) => context.Session.GetString(name) ?? "(none)");
        app.MapGet("/session/get-async", async (HttpContext context, string name) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            return context.Session.GetString(name) ?? "(none)";
        });
        app.MapGet("/plain", () => "plain");
        await app.StartAsync();
        return new SessionNode(app, logs);
    }

    /// <summary>Sends a GET with the given session cookie value (none when <see langword="null"/>).</summary>
    public async Task<SessionResponse> SendAsync(string path, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", CookieName + "=" + cookie);
        }

        using var response = await Client.SendAsync(request);
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.FirstOrDefault(v => v.StartsWith(CookieName + "=", StringComparison.Ordinal))
            : null;
        return new SessionResponse(response.StatusCode, await response.Content.ReadAsStringAsync(), setCookie);
    }

    /// <summary>Stores a value in a new session and returns its cookie value.</summary>
    public async Task<string> StartSessionAsync(string name, string value)
    {
        var response = await SendAsync($"/session/set?name={name}&value={value}");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return response.CookieValue ?? throw new InvalidOperationException("The node set no session cookie.");
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>What a session request returned.</summary>
internal sealed record SessionResponse(HttpStatusCode Status, string Body, string? SetCookie)
{
    /// <summary>The session cookie's value from Set-Cookie, if one was set.</summary>
    public string? CookieValue => SetCookie is null ? null : SetCookie[(SessionNode.CookieName.Length + 1)..].Split(';')[0];
}
