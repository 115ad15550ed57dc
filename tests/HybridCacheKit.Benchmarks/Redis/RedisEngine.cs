using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// The engine over Redis, built the way an application builds it, in its own service provider. The operation timeout
/// is 10 s unless given: its value does not change what a call costs (a timer either way), and on a busy 2-core machine
/// the 250 ms default can expire during setup or under 1,000 callers and turn a measured hit into a factory run.
/// </summary>
internal sealed class RedisEngine : IDisposable
{
    private readonly ServiceProvider _services;

    public RedisEngine(string configuration, string instanceName, bool backplane, TimeSpan? operationTimeout = null, bool useScripts = true)
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) })
            .AddStackExchangeRedis(o =>
            {
                o.Configuration = configuration;
                o.InstanceName = instanceName;
                o.EnableBackplane = backplane;
                o.UseScripts = useScripts;
                o.OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(10);
            });
        _services = services.BuildServiceProvider();
        Cache = _services.GetRequiredService<HybridCache>();
        Backplane = _services.GetService<IHybridCacheBackplane>();
        if (backplane)
        {
            // Only a connected backplane lets the engine trust its tag state; measure that state, not the start-up.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (Backplane?.IsConnected != true)
            {
                Check(DateTime.UtcNow < deadline, "the backplane did not connect within 15 s");
                Thread.Sleep(20);
            }
        }
    }

    public HybridCache Cache { get; }

    public IHybridCacheBackplane? Backplane { get; }

    public IServiceProvider Services => _services;

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark setup check failed: " + message);
        }
    }

    public void Dispose() => _services.Dispose();
}
