using System.Net;
using HybridCacheKit.Benchmarks.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Benchmarks.AspNetCore;

/// <summary>How a <see cref="SessionBenchmarkApp"/> sets up session.</summary>
internal enum SessionBenchmarkSetup
{
    /// <summary>ASP.NET Core's AddSession over HybridCacheKit's Redis cache with scripts off: every read is HMGET + EXPIRE, Microsoft RedisCache's commands.</summary>
    FrameworkSessionMicrosoftCommands,

    /// <summary>ASP.NET Core's AddSession over HybridCacheKit's Redis cache (one EVALSHA per read).</summary>
    FrameworkSession,

    /// <summary>AddSessionSharing (same cache, plus the per-request wrapper).</summary>
    SessionSharing,
}

/// <summary>
/// A minimal app on Kestrel (loopback, a free port) with session over Redis: <c>/get</c> reads the session,
/// <c>/set</c> writes it. No logging, as in an app whose <c>Microsoft.AspNetCore</c> category logs at Warning (the
/// project templates' setting): with Information on, the framework's store reads a modified session once more, just to
/// log whether it is new (the tests measure that case).
/// </summary>
internal sealed class SessionBenchmarkApp : IDisposable
{
    private const string CookieName = ".AspNetCore.Session";

    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly string _cookie;

    public SessionBenchmarkApp(string redisConfiguration, SessionBenchmarkSetup setup)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var instance = "bench-session-" + setup + ":";
        void Redis(HybridCacheKit.StackExchangeRedis.HybridCacheKitRedisOptions o)
        {
            o.Configuration = redisConfiguration;
            o.InstanceName = instance;
            o.OperationTimeout = TimeSpan.FromSeconds(10);
            o.UseScripts = setup != SessionBenchmarkSetup.FrameworkSessionMicrosoftCommands;
        }

        if (setup == SessionBenchmarkSetup.SessionSharing)
        {
            builder.Services.AddHybridCacheKit().AddStackExchangeRedis(Redis).AddRedisDataProtection("bench").AddSessionSharing();
        }
        else
        {
            builder.Services.AddHybridCacheKitRedisCache(Redis);
            builder.Services.AddDataProtection().SetApplicationName("bench").PersistKeysToHybridCacheKitRedis();
            builder.Services.AddSession();
        }

        _app = builder.Build();
        _app.UseSession();
        _app.MapGet("/get", (HttpContext c) => c.Session.GetString("cart") ?? "(none)");
        _app.MapGet("/set", (HttpContext c) =>
        {
            c.Session.SetString("cart", "three apples");
            return "ok";
        });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri(address) };

        using var first = _client.GetAsync("/set").GetAwaiter().GetResult();
        var setCookie = first.Headers.GetValues("Set-Cookie").First(v => v.StartsWith(CookieName + "=", StringComparison.Ordinal));
        _cookie = setCookie.Split(';')[0];
        RedisEngine.Check(Get().GetAwaiter().GetResult() == "three apples", $"{setup}: the session must hold the value it stored");
    }

    /// <summary>A request that reads the session and leaves it unmodified.</summary>
    public Task<string> Get() => SendAsync("/get");

    /// <summary>A request that writes the session.</summary>
    public Task<string> Set() => SendAsync("/set");

    public void Dispose()
    {
        _client.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private async Task<string> SendAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", _cookie);
        using var response = await _client.SendAsync(request).ConfigureAwait(false);
        RedisEngine.Check(response.StatusCode == HttpStatusCode.OK, $"{path} answered {response.StatusCode}");
        return await response.Content.ReadAsStringAsync().ConfigureAwait(false);
    }
}
