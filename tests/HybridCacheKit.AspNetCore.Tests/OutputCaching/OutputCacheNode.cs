using System.Globalization;
using HybridCacheKit.TestUtilities.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

/// <summary>
/// One application node: its own host, service provider and TestServer, with output caching over the HybridCacheKit
/// store. With a Redis configuration it uses Redis as L2 (backplane included); without, the engine is L1 only.
/// Every endpoint answers "{node}:{n}" where n counts how often this node ran that endpoint, so a test sees whether a
/// response was generated here or came from the cache.
/// </summary>
internal sealed class OutputCacheNode : IAsyncDisposable
{
    private readonly Dictionary<string, int> _runs = new(StringComparer.Ordinal);
    private HttpClient? _client;

    private OutputCacheNode(string name, WebApplication app, CapturingLoggerProvider logs)
    {
        Name = name;
        App = app;
        Logs = logs;
    }

    public string Name { get; }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>A client of this node's TestServer (available once started).</summary>
    public HttpClient Client => _client ??= App.GetTestClient();

    public CapturingLoggerProvider Logs { get; }

    public IOutputCacheStore Store => Services.GetRequiredService<IOutputCacheStore>();

    public static async Task<OutputCacheNode> StartAsync(
        string name,
        string? redisConfiguration = null,
        string? instanceName = null,
        TimeProvider? time = null,
        Action<HybridCacheKitOptions>? engine = null,
        Action<HybridOutputCacheStoreOptions>? store = null)
    {
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        var kit = builder.Services.AddHybridCacheKit(o =>
        {
            o.DistributedCacheTimeout = TimeSpan.FromSeconds(5);
            engine?.Invoke(o);
        });
        if (redisConfiguration is not null)
        {
            kit.AddStackExchangeRedis(o =>
            {
                o.Configuration = redisConfiguration;
                o.InstanceName = instanceName ?? throw new ArgumentNullException(nameof(instanceName));
                o.OperationTimeout = TimeSpan.FromSeconds(5);
            });
        }

        builder.Services.AddOutputCache(o => o.DefaultExpirationTimeSpan = TimeSpan.FromSeconds(60)).AddHybridCacheKitOutputCacheStore(store);
        builder.Services.AddControllers().AddApplicationPart(typeof(OutputCacheNode).Assembly);

        var app = builder.Build();
        var node = new OutputCacheNode(name, app, logs);
        app.UseOutputCache();
        app.MapGet("/counter", () => node.Run("counter")).CacheOutput(p => p.Tag("counter"));
        app.MapGet("/products/{id}", (string id) => node.Run("product:" + id)).CacheOutput(p => p.Tag("products"));
        app.MapGet("/other", () => node.Run("other")).CacheOutput(p => p.Tag("other"));
        app.MapGet("/attribute", [OutputCache(Duration = 60, Tags = ["attribute"])] () => node.Run("attribute"));
        app.MapGet("/short", () => node.Run("short")).CacheOutput(p => p.Expire(TimeSpan.FromSeconds(10)));
        app.MapGet("/big", (int size) => Results.Text(node.Run("big") + new string('x', size))).CacheOutput();
        app.MapGet("/uncached", () => node.Run("uncached"));
        app.MapControllers();
        await app.StartAsync();
        return node;
    }

    /// <summary>How often this node ran the endpoint (a miss each time).</summary>
    public int Runs(string endpoint)
    {
        lock (_runs)
        {
            return _runs.GetValueOrDefault(endpoint);
        }
    }

    public async Task<string> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    internal string Run(string endpoint)
    {
        int n;
        lock (_runs)
        {
            n = _runs.GetValueOrDefault(endpoint) + 1;
            _runs[endpoint] = n;
        }

        return Name + ":" + n.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>An MVC controller using the framework's <c>[OutputCache]</c> attribute, to show the store behind MVC too.</summary>
[ApiController]
[Route("mvc")]
public sealed class OutputCacheTestController : ControllerBase
{
    private static int s_runs;

    /// <summary>How often the action ran, across every node of the test process.</summary>
    public static int Runs => Volatile.Read(ref s_runs);

    [HttpGet("time")]
    [OutputCache(Duration = 60, Tags = ["mvc"])]
    public string Get() => "mvc:" + Interlocked.Increment(ref s_runs).ToString(CultureInfo.InvariantCulture);
}
