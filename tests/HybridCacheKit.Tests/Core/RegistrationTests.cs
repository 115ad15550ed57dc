using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.Tests.Core;

public sealed class RegistrationTests
{
    [Fact]
    public async Task AddHybridCacheKit_CalledTwice_OneSingletonWithBothConfigurations()
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        services.AddHybridCacheKit(o => o.MaximumKeyLength = 16);
        services.AddHybridCacheKit(o => o.IncludeKeysInLogs = true);
        await using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<HybridCache>();
        using var scope = provider.CreateScope();
        var factory = new CountingFactory<int>(n => n);
        await cache.GetOrCreateAsync("seventeen-chars-k", factory.InvokeAsync);
        await cache.GetOrCreateAsync("seventeen-chars-k", factory.InvokeAsync);

        Assert.Single(services, d => d.ServiceType == typeof(HybridCache));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<HybridCacheKitOptions>));
        Assert.Same(cache, provider.GetRequiredService<HybridCache>());
        Assert.Same(cache, scope.ServiceProvider.GetRequiredService<HybridCache>());
        Assert.Single(provider.GetServices<HybridCache>());
        Assert.Equal(2, factory.Calls);
        Assert.Contains(logs.WithEventId(1001), e => e.Message.Contains("seventeen-chars-k", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddHybridCacheKit_OtherHybridCacheRegisteredBefore_Replaced()
    {
        var services = new ServiceCollection();
        services.AddSingleton<HybridCache, ForeignHybridCache>();
        services.AddHybridCacheKit();
        await using var provider = services.BuildServiceProvider();
        var factory = new CountingFactory<int>(n => n);

        var cache = provider.GetRequiredService<HybridCache>();
        await cache.GetOrCreateAsync("key", factory.InvokeAsync);
        var second = await cache.GetOrCreateAsync("key", factory.InvokeAsync);

        Assert.IsNotType<ForeignHybridCache>(cache);
        Assert.Single(services, d => d.ServiceType == typeof(HybridCache));
        Assert.Equal(1, second);
        Assert.Equal(1, factory.Calls);
        Assert.True((await cache.TryGetAsync<int>("key")).Found);
    }

    [Fact]
    public async Task AddHybridCacheKit_TimeProviderRegisteredBefore_IsUsed()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddHybridCacheKit();
        await using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        var factory = new CountingFactory<int>(n => n);

        await cache.GetOrCreateAsync("key", factory.InvokeAsync);
        time.Advance(TimeSpan.FromMinutes(6));
        var afterExpiry = await cache.GetOrCreateAsync("key", factory.InvokeAsync);

        Assert.Equal(2, afterExpiry);
    }

    public static TheoryData<string> InvalidSettings =>
    [
        nameof(HybridCacheKitOptions.MaximumPayloadBytes),
        nameof(HybridCacheKitOptions.MaximumKeyLength),
        nameof(HybridCacheKitOptions.LocalCacheSizeLimitBytes),
        nameof(HybridCacheKitOptions.CompressionThresholdBytes),
        nameof(HybridCacheKitOptions.DistributedCacheTimeout),
        nameof(HybridCacheKitOptions.FailSafeMaxDuration),
        nameof(HybridCacheKitOptions.FailSafeThrottleDuration),
        nameof(HybridCacheKitOptions.TagInvalidationRetention),
        nameof(HybridCacheKitOptions.FactorySoftTimeout),
        nameof(HybridCacheKitOptions.FactoryHardTimeout),
        nameof(HybridCacheKitOptions.EagerRefreshBeta),
        nameof(HybridCacheKitOptions.ExpirationJitter),
        nameof(HybridCacheKitOptions.TagStateCacheDuration),
        nameof(HybridCacheKitOptions.AutoRecoveryMaxChanges),
        nameof(HybridCacheKitOptions.AutoRecoveryRetryInterval),
        nameof(HybridCacheKitOptions.DefaultEntryOptions),
    ];

    private static void Break(HybridCacheKitOptions o, string setting)
    {
        switch (setting)
        {
            case nameof(HybridCacheKitOptions.MaximumPayloadBytes): o.MaximumPayloadBytes = 0; break;
            case nameof(HybridCacheKitOptions.MaximumKeyLength): o.MaximumKeyLength = 0; break;
            case nameof(HybridCacheKitOptions.LocalCacheSizeLimitBytes): o.LocalCacheSizeLimitBytes = 0; break;
            case nameof(HybridCacheKitOptions.CompressionThresholdBytes): o.CompressionThresholdBytes = -1; break;
            case nameof(HybridCacheKitOptions.DistributedCacheTimeout): o.DistributedCacheTimeout = TimeSpan.Zero; break;
            case nameof(HybridCacheKitOptions.FailSafeMaxDuration): o.FailSafeMaxDuration = TimeSpan.FromSeconds(-1); break;
            case nameof(HybridCacheKitOptions.FailSafeThrottleDuration): o.FailSafeThrottleDuration = TimeSpan.Zero; break;
            case nameof(HybridCacheKitOptions.TagInvalidationRetention): o.TagInvalidationRetention = TimeSpan.Zero; break;

            // Soft timeout not shorter than the hard one: the message names the soft timeout.
            case nameof(HybridCacheKitOptions.FactorySoftTimeout):
                o.FactorySoftTimeout = TimeSpan.FromSeconds(2);
                o.FactoryHardTimeout = TimeSpan.FromSeconds(2);
                break;
            case nameof(HybridCacheKitOptions.FactoryHardTimeout): o.FactoryHardTimeout = TimeSpan.Zero; break;
            case nameof(HybridCacheKitOptions.EagerRefreshBeta): o.EagerRefreshBeta = double.NaN; break;
            case nameof(HybridCacheKitOptions.ExpirationJitter): o.ExpirationJitter = TimeSpan.FromSeconds(-1); break;
            case nameof(HybridCacheKitOptions.TagStateCacheDuration): o.TagStateCacheDuration = TimeSpan.FromSeconds(-1); break;
            case nameof(HybridCacheKitOptions.AutoRecoveryMaxChanges): o.AutoRecoveryMaxChanges = 0; break;
            case nameof(HybridCacheKitOptions.AutoRecoveryRetryInterval): o.AutoRecoveryRetryInterval = TimeSpan.Zero; break;
            case nameof(HybridCacheKitOptions.DefaultEntryOptions): o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.Zero }; break;
            default: throw new ArgumentOutOfRangeException(nameof(setting), setting, null);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task AddHybridCacheKit_InvalidSetting_ResolveThrowsNamingIt(string setting)
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit(o => Break(o, setting));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<HybridCache>());

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> TooLongSettings =>
    [
        nameof(HybridCacheKitOptions.DistributedCacheTimeout),
        nameof(HybridCacheKitOptions.FactorySoftTimeout),
        nameof(HybridCacheKitOptions.FactoryHardTimeout),
        nameof(HybridCacheKitOptions.AutoRecoveryRetryInterval),
        nameof(HybridCacheKitOptions.FailSafeMaxDuration),
        nameof(HybridCacheKitOptions.FailSafeThrottleDuration),
        nameof(HybridCacheKitOptions.TagInvalidationRetention),
        nameof(HybridCacheKitOptions.ExpirationJitter),
        nameof(HybridCacheKitOptions.TagStateCacheDuration),
    ];

    /// <summary>
    /// "Forever" as TimeSpan.MaxValue, or a timeout beyond what .NET timers accept (49.7 days), used to pass validation
    /// and then throw inside cache calls (OverflowException, ArgumentOutOfRangeException) or make L2 useless.
    /// </summary>
    [Theory]
    [MemberData(nameof(TooLongSettings))]
    public async Task AddHybridCacheKit_SettingBeyondItsMaximum_ResolveThrowsNamingIt(string setting)
    {
        foreach (var value in new[] { TimeSpan.MaxValue, TimeSpan.FromDays(60_000) })
        {
            var services = new ServiceCollection();
            services.AddHybridCacheKit(o => typeof(HybridCacheKitOptions).GetProperty(setting)!.SetValue(o, value));
            await using var provider = services.BuildServiceProvider();

            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<HybridCache>());

            Assert.Contains(setting, error.Message, StringComparison.Ordinal);
            Assert.Contains(" days", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AddHybridCacheKit_LongestAcceptedSettings_CacheWorks()
    {
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddHybridCacheKit(o =>
        {
            o.DistributedCacheTimeout = TimeSpan.FromDays(30);
            o.FactoryHardTimeout = TimeSpan.FromDays(30);
            o.FactorySoftTimeout = TimeSpan.FromDays(29);
            o.EnableFailSafe = true;
            o.FailSafeMaxDuration = TimeSpan.FromDays(3650);
            o.TagInvalidationRetention = TimeSpan.FromDays(3650);
            o.ExpirationJitter = TimeSpan.FromDays(3650);
        });
        await using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        var forever = new HybridCacheEntryOptions { Expiration = TimeSpan.MaxValue, LocalCacheExpiration = TimeSpan.MaxValue };

        await cache.SetAsync("k", "v", forever, ["t"]);
        Assert.Equal("v", await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), forever));
        await cache.RemoveByTagAsync("t");
        Assert.Equal("factory", await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), forever));
    }

    [Fact]
    public async Task AddHybridCacheKit_InvalidSetting_HostStartFails()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHybridCacheKit(o => o.MaximumPayloadBytes = -5);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(nameof(HybridCacheKitOptions.MaximumPayloadBytes), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddHybridCacheKit_SoftTimeoutWithoutHardTimeout_Valid()
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit(o => o.FactorySoftTimeout = TimeSpan.FromSeconds(1));
        await using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<HybridCache>());
    }
}
