using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Tests.Core;

/// <summary>
/// One engine instance built the way an application builds it (<c>AddHybridCacheKit</c> on a fresh service collection),
/// on a <see cref="FakeTimeProvider"/>, with its logs captured and, optionally, an in-memory L2 on the same clock.
/// <see cref="CreateSibling"/> adds a second instance over the same L2 and clock, like a second server.
/// </summary>
internal sealed class CacheHost : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly Action<HybridCacheKitOptions>? _configure;
    private readonly Action<IServiceCollection>? _services;

    private CacheHost(FakeTimeProvider time, IDistributedCache? l2, Action<HybridCacheKitOptions>? configure, Action<IServiceCollection>? services)
    {
        Time = time;
        L2 = l2;
        _configure = configure;
        _services = services;
        Cache = Build(Logs);
    }

    public HybridCache Cache { get; }

    public FakeTimeProvider Time { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The L2, or null for an L1-only cache.</summary>
    public IDistributedCache? L2 { get; }

    /// <summary>An L1-only cache.</summary>
    public static CacheHost Create(Action<HybridCacheKitOptions>? configure = null, Action<IServiceCollection>? services = null)
        => new(new FakeTimeProvider(), null, configure, services);

    /// <summary>A cache over an in-memory <see cref="IBufferDistributedCache"/> that runs on the same fake clock.</summary>
    public static CacheHost CreateWithL2(Action<HybridCacheKitOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var time = new FakeTimeProvider();
        return new CacheHost(time, new BufferDistributedCache(time), configure, services);
    }

    /// <summary>Another instance over the same L2 and clock, with the same options and extra services.</summary>
    public HybridCache CreateSibling() => Build(new CapturingLoggerProvider());

    /// <summary>The raw L2 bytes under <paramref name="key"/>.</summary>
    public byte[]? RawL2(string key) => (L2 ?? throw new InvalidOperationException("This host has no L2.")).Get(key);

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    private HybridCache Build(CapturingLoggerProvider logs)
    {
        var services = new ServiceCollection();
        services.AddLogging(builder => builder.AddProvider(logs));
        services.AddHybridCacheKit(_configure);
        services.AddSingleton<TimeProvider>(Time);
        if (L2 is not null)
        {
            services.AddSingleton(L2);
        }

        _services?.Invoke(services);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<HybridCache>();
    }
}
