using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// The engine over Redis, built the way an application builds it, in its own service provider. The operation timeout
/// is 10 s unless given: its value does not change what a call costs (a shared deadline either way), and on a busy 2-core machine
/// the 250 ms default can expire during setup or under 1,000 callers and turn a measured hit into a factory run.
/// With <c>userMultiplexer</c> the package gets an application-made multiplexer (StackExchange.Redis defaults, so
/// PreserveAsyncOrder stays on) through <c>ConnectionMultiplexerFactory</c> instead of creating its own.
/// </summary>
internal sealed class RedisEngine : IDisposable
{
    private readonly ServiceProvider _services;
    private ConnectionMultiplexer? _userMultiplexer;

    public RedisEngine(string configuration, string instanceName, bool backplane, TimeSpan? operationTimeout = null, bool useScripts = true, bool userMultiplexer = false)
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) })
            .AddStackExchangeRedis(o =>
            {
                if (userMultiplexer)
                {
                    o.ConnectionMultiplexerFactory = async () => _userMultiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                }
                else
                {
                    o.Configuration = configuration;
                }

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

    /// <summary>The application-made multiplexer, once the package asked for it (only with <c>userMultiplexer</c>).</summary>
    public ConnectionMultiplexer? UserMultiplexer => _userMultiplexer;

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark setup check failed: " + message);
        }
    }

    public void Dispose()
    {
        _services.Dispose();
        _userMultiplexer?.Dispose();
    }
}
