using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Health;

/// <summary>The health check against real servers: up, killed, frozen, breaker open, backplane down.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisHealthCheckTests(RedisServerFixture redis)
{
    private const string CheckName = "hybridcachekit-redis";

    [Fact]
    public async Task CheckHealthAsync_RedisUpBackplaneDisabled_ReturnsHealthyWithLatency()
    {
        await using var app = CreateApp(redis.ConfigurationString, o => o.EnableBackplane = false);

        var entry = await CheckAsync(app);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("disabled", entry.Data["backplane"]);
        Assert.Equal("closed", entry.Data["circuit"]);
        Assert.IsType<double>(entry.Data["latency_ms"]);
        Assert.Equal(1, entry.Data["endpoints_connected"]);
    }

    [Fact]
    public async Task CheckHealthAsync_RedisUpBackplaneSubscribed_ReturnsHealthyWithBackplaneConnected()
    {
        await using var app = CreateApp(redis.ConfigurationString);
        _ = app.GetRequiredService<HybridCache>(); // the engine subscribes the backplane

        var entry = await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy);

        Assert.Equal("connected", entry.Data["backplane"]);
    }

    [Fact]
    public async Task CheckHealthAsync_NoCacheEngineBuiltYet_HealthyWithBackplaneIdle()
    {
        // An app that so far uses only sessions or IDistributedCache never subscribes the backplane: before, it was
        // reported Degraded ("the backplane is disconnected") for as long as no HybridCache was resolved.
        await using var app = CreateApp(redis.ConfigurationString);

        var entry = await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("idle", entry.Data["backplane"]);
        _ = app.GetRequiredService<HybridCache>();
        Assert.Equal("connected", (await EventuallyAsync(app, e => Equals(e.Data["backplane"], "connected"))).Data["backplane"]);
    }

    [Fact]
    public async Task CheckHealthAsync_MultiplexerFactoryBlocksOnAFrozenServer_AnswersWithinItsTimeout()
    {
        // A factory that connects synchronously ran inside the connection's lock on the health check's thread, so the
        // check waited for the whole connect (16 s measured) before its own 1 s timeout could start.
        await using var server = await RedisServer.StartAsync();
        var made = new List<IConnectionMultiplexer>();
        server.Pause();
        try
        {
            await using var app = CreateApp(server.ConfigurationString, o =>
            {
                o.EnableBackplane = false;
                o.ConnectionMultiplexerFactory = () =>
                {
                    var multiplexer = ConnectionMultiplexer.Connect(server.ConfigurationString + ",abortConnect=false,connectTimeout=8000");
                    lock (made)
                    {
                        made.Add(multiplexer);
                    }

                    return Task.FromResult<IConnectionMultiplexer>(multiplexer);
                };
            }, timeout: TimeSpan.FromSeconds(1));

            var watch = System.Diagnostics.Stopwatch.StartNew();
            var entry = await CheckAsync(app);

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the check took {watch.Elapsed.TotalMilliseconds:F0} ms with a 1 s timeout");
            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Contains("did not answer PING within 1000 ms", entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            server.Resume();
            await Eventually.TrueAsync(() => { lock (made) { return made.Count > 0; } }, TimeSpan.FromSeconds(20), "the factory ran");
            lock (made)
            {
                made.ForEach(m => m.Dispose());
            }
        }
    }

    [Fact]
    public async Task CheckHealthAsync_ServerKilled_ReturnsUnhealthy()
    {
        await using var server = await RedisServer.StartAsync();
        await using var app = CreateApp(server.ConfigurationString + ",connectTimeout=500", o => o.EnableBackplane = false);
        Assert.Equal(HealthStatus.Healthy, (await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy)).Status);

        server.Kill();
        var entry = await EventuallyAsync(app, e => e.Status != HealthStatus.Healthy);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.False(entry.Data.ContainsKey("latency_ms"));
    }

    [Fact]
    public async Task CheckHealthAsync_ServerPaused_ReturnsUnhealthyNamingTheTimeout()
    {
        await using var server = await RedisServer.StartAsync();
        await using var app = CreateApp(server.ConfigurationString, o => o.EnableBackplane = false, timeout: TimeSpan.FromMilliseconds(300));
        Assert.Equal(HealthStatus.Healthy, (await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy)).Status);

        server.Pause();
        try
        {
            var entry = await CheckAsync(app);

            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Contains("did not answer PING within 300 ms", entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            server.Resume();
        }

        Assert.Equal(HealthStatus.Healthy, (await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy)).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_CircuitOpenButPingAnswers_ReturnsDegraded()
    {
        await using var server = await RedisServer.StartAsync();
        await using var app = CreateApp(server.ConfigurationString, o =>
        {
            o.EnableBackplane = false;
            o.OperationTimeout = TimeSpan.FromMilliseconds(100);
            o.CircuitBreakerFailureThreshold = 1;
            o.CircuitBreakDuration = TimeSpan.FromMinutes(5);
        });
        var connection = app.GetRequiredService<RedisConnection>();
        Assert.Equal(HealthStatus.Healthy, (await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy)).Status); // connected; the check never counts towards the breaker

        // A real outage long enough for one cache call to time out, short enough for the check's PING to get through.
        await using (var admin = await server.CreateClientAsync())
        {
            Assert.Equal("OK", (await admin.ExecuteAsync("CLIENT", "PAUSE", 1000, "ALL")).Text);
        }

        await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => connection.ExecuteAsync("get", "k", static (db, k) => db.StringGetAsync(k), CancellationToken.None));
        var entry = await CheckAsync(app);

        Assert.True(connection.IsCircuitOpen);
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("open", entry.Data["circuit"]);
        Assert.Contains("circuit breaker is open", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealthAsync_BackplaneDisconnected_ReturnsDegraded()
    {
        await using var app = CreateApp(redis.ConfigurationString, configureServices: s => s.AddSingleton<IHybridCacheBackplane>(new DisconnectedBackplane()));

        var entry = await CheckAsync(app);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("disconnected", entry.Data["backplane"]);
        Assert.Contains("backplane is disconnected", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealthAsync_CustomFailureStatus_ReportedWhenRedisDown()
    {
        await using var server = await RedisServer.StartAsync();
        var configuration = server.ConfigurationString + ",connectTimeout=300";
        server.Kill();
        await using var app = CreateApp(configuration, o => o.EnableBackplane = false, failureStatus: HealthStatus.Degraded);

        var entry = await CheckAsync(app);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.StartsWith("Redis ", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealthAsync_PasswordInConfiguration_NeverInDescriptionOrData()
    {
        const string Password = "s3cr3t-Pa55word";
        await using var server = await RedisServer.StartAsync(["--requirepass", Password]);
        var configuration = server.ConfigurationString + ",connectTimeout=500,password=" + Password;
        await using var app = CreateApp(configuration, o => o.EnableBackplane = false);
        var healthy = await EventuallyAsync(app, e => e.Status == HealthStatus.Healthy);
        server.Kill();
        var unhealthy = await EventuallyAsync(app, e => e.Status == HealthStatus.Unhealthy);

        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        foreach (var entry in new[] { healthy, unhealthy })
        {
            Assert.DoesNotContain(Password, entry.Description ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(entry.Data.Values, v => v.ToString()!.Contains(Password, StringComparison.Ordinal));
            Assert.Null(entry.Exception);
        }
    }

    [Fact]
    public async Task AddHybridCacheKitRedis_RedisServicesMissing_FactoryThrowsNamingTheFix()
    {
        var services = new ServiceCollection();
        services.AddHealthChecks().AddHybridCacheKitRedis();
        await using var app = services.BuildServiceProvider();
        var registration = app.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Single();

        var ex = Assert.Throws<InvalidOperationException>(() => registration.Factory(app));

        Assert.Equal(CheckName, registration.Name);
        Assert.Contains("AddStackExchangeRedis", ex.Message, StringComparison.Ordinal);
    }

    internal static ServiceProvider CreateApp(
        string configuration,
        Action<HybridCacheKitRedisOptions>? configure = null,
        TimeSpan? timeout = null,
        HealthStatus? failureStatus = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHybridCacheKit().AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.InstanceName = "health-" + Guid.NewGuid().ToString("N") + ":";
            configure?.Invoke(o);
        });
        services.AddHealthChecks().AddHybridCacheKitRedis(failureStatus: failureStatus, timeout: timeout);
        configureServices?.Invoke(services);
        return services.BuildServiceProvider();
    }

    internal static async Task<HealthReportEntry> CheckAsync(IServiceProvider app)
    {
        var report = await app.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return report.Entries[CheckName];
    }

    internal static async Task<HealthReportEntry> EventuallyAsync(IServiceProvider app, Func<HealthReportEntry, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var entry = await CheckAsync(app);
            if (condition(entry) || DateTime.UtcNow > deadline)
            {
                return entry;
            }

            await Task.Delay(50);
        }
    }

    private sealed class DisconnectedBackplane : IHybridCacheBackplane
    {
        public bool IsConnected => false;

        public void Subscribe(IHybridCacheBackplaneListener listener)
        {
        }

        public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken) => ValueTask.FromResult(false);
    }
}
