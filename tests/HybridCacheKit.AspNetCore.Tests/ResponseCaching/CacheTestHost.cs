using System.Collections.Concurrent;
using System.Net;
using HybridCacheKit.TestUtilities.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>Counts endpoint runs by name, so a test can tell a cache hit (no run) from a miss.</summary>
public sealed class CallCounter
{
    private readonly ConcurrentDictionary<string, int> _calls = new();

    public int Next(string name) => _calls.AddOrUpdate(name, 1, static (_, n) => n + 1);

    public int this[string name] => _calls.TryGetValue(name, out var n) ? n : 0;
}

/// <summary>
/// A real ASP.NET Core application on TestServer (or on Kestrel on loopback, where a client that gives up closes its
/// connection, as a real one does): the whole pipeline (routing, authentication, the response cache, endpoints),
/// HybridCacheKit's engine and, when given, Redis. Each test builds its own.
/// </summary>
public sealed class CacheTestHost : IAsyncDisposable
{
    private CacheTestHost(WebApplication app, CapturingLoggerProvider logs, bool kestrel)
    {
        App = app;
        Logs = logs;
        Client = kestrel
            ? new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) }
            : app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    public CallCounter Calls => App.Services.GetRequiredService<CallCounter>();

    public HybridCache Cache => App.Services.GetRequiredService<HybridCache>();

    /// <summary>Builds and starts an app. <paramref name="configureApp"/> adds middleware and endpoints; call <c>app.UseDistributedResponseCache()</c> in it.</summary>
    public static async Task<CacheTestHost> StartAsync(
        Action<WebApplication> configureApp,
        Action<DistributedResponseCacheOptions>? options = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<IHybridCacheKitBuilder>? configureCache = null,
        Action<HybridCacheKitOptions>? engineOptions = null,
        bool kestrel = false)
    {
        var app = Build(configureApp, options, configureBuilder, configureCache, engineOptions, out var logs, kestrel);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new CacheTestHost(app, logs, kestrel);
    }

    /// <summary>Builds an app without starting it (for start-up failure tests).</summary>
    public static WebApplication Build(
        Action<WebApplication> configureApp,
        Action<DistributedResponseCacheOptions>? options,
        Action<WebApplicationBuilder>? configureBuilder,
        Action<IHybridCacheKitBuilder>? configureCache,
        Action<HybridCacheKitOptions>? engineOptions,
        out CapturingLoggerProvider logs,
        bool kestrel = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(CacheTestHost).Assembly.GetName().Name });
        if (kestrel)
        {
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.ClearProviders();
        logs = new CapturingLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<CallCounter>();
        var cache = builder.Services.AddHybridCacheKit(engineOptions);
        configureCache?.Invoke(cache);
        builder.Services.AddDistributedResponseCache(options);
        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        configureApp(app);
        return app;
    }

    public async Task<string> GetStringAsync(string url, params (string Name, string Value)[] headers)
    {
        using var response = await SendAsync(HttpMethod.Get, url, headers);
        return await response.Content.ReadAsStringAsync();
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url);
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
