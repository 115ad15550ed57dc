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

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>
/// A real ASP.NET Core application for one test: <see cref="WebApplication"/> on the in-memory TestServer (or on
/// Kestrel on loopback), with the engine, the test authentication scheme and the usual pipeline
/// (exception handler, routing, authentication, authorization, <c>UseDistributedResponseCache</c>).
/// </summary>
internal sealed class InvalidationTestApp : IAsyncDisposable
{
    private InvalidationTestApp(WebApplication app, HttpClient client, CapturingLoggerProvider logs)
    {
        App = app;
        Client = client;
        Logs = logs;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => App.Services;

    public HybridCache Cache => App.Services.GetRequiredService<HybridCache>();

    /// <summary>Builds, maps and starts an application; throws what the host's start throws.</summary>
    public static async Task<InvalidationTestApp> StartAsync(
        Action<WebApplicationBuilder>? services,
        Action<WebApplication> endpoints,
        bool kestrel = false,
        bool addDefaults = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ApplicationName = typeof(InvalidationTestApp).Assembly.GetName().Name,
        });
        if (kestrel)
        {
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        if (addDefaults)
        {
            builder.Services.AddHybridCacheKit();
            builder.Services.AddDistributedResponseCache();
            TestAuthHandler.AddTestAuthentication(builder.Services);
        }

        services?.Invoke(builder);
        var app = builder.Build();

        // As in a production app: an unhandled exception becomes a 500 (TestServer would otherwise rethrow it to the client).
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = static _ => Task.CompletedTask });
        app.UseRouting();
        if (addDefaults)
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseDistributedResponseCache();
        }

        endpoints(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        HttpClient client;
        if (kestrel)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            client = new HttpClient { BaseAddress = new Uri(address) };
        }
        else
        {
            client = app.GetTestClient();
        }

        return new InvalidationTestApp(app, client, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
