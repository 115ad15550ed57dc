using HybridCacheKit.AspNetCore.Sessions;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>What AddSessionSharing checks and decides when the application starts.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class SessionSharingStartupTests(RedisServerFixture redis) : IDisposable
{
    private const int KeyRingNotShared = 3320;
    private const int ApplicationNameNotShared = 3321;
    private const int ApplicationNameReplaced = 3322;
    private const int CacheNotShared = 3323;
    private const int Ready = 3324;

    private readonly string _instance = "sst-" + Guid.NewGuid().ToString("N") + ":";
    private readonly DirectoryInfo _keyFolder = Directory.CreateTempSubdirectory("hck-dp-keys-");
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public async Task Start_NoKeyRingConfigured_CriticalWarning()
    {
        await using var app = await StartAsync(kit => kit.AddSessionSharing(o => o.ApplicationName = "shop"));

        var entry = Assert.Single(_logs.WithEventId(KeyRingNotShared));
        Assert.Equal(LogLevel.Critical, entry.Level);
        Assert.Contains("no key repository", entry.Message, StringComparison.Ordinal);
        Assert.Contains("AddRedisDataProtection", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FileSystemKeyRing_CriticalWarning()
    {
        await using var app = await StartAsync(
            kit => kit.AddSessionSharing(o => o.ApplicationName = "shop"),
            services => services.AddDataProtection().PersistKeysToFileSystem(_keyFolder));

        var entry = Assert.Single(_logs.WithEventId(KeyRingNotShared));
        Assert.Equal(LogLevel.Critical, entry.Level);
        Assert.Contains("folder on this machine", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FileSystemKeyRingDeclaredShared_NoWarning()
    {
        await using var app = await StartAsync(
            kit => kit.AddSessionSharing(o =>
            {
                o.ApplicationName = "shop";
                o.KeyRingIsShared = true;
            }),
            services => services.AddDataProtection().PersistKeysToFileSystem(_keyFolder));

        Assert.Empty(_logs.WithEventId(KeyRingNotShared));
        Assert.Contains("FileSystemXmlRepository", Assert.Single(_logs.WithEventId(Ready)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoKeyRingConfiguredDeclaredShared_NoWarning()
    {
        // No repository: Data Protection picks its own folder, shared on hosts such as Azure App Service (%HOME%).
        await using var app = await StartAsync(kit => kit.AddSessionSharing(o =>
        {
            o.ApplicationName = "shop";
            o.KeyRingIsShared = true;
        }));

        Assert.Empty(_logs.WithEventId(KeyRingNotShared));
        Assert.Single(_logs.WithEventId(Ready));
    }

    [Fact]
    public async Task Start_EphemeralProvider_CriticalWarningEvenWhenDeclaredShared()
    {
        await using var app = await StartAsync(
            kit => kit.AddSessionSharing(o => o.KeyRingIsShared = true),
            services => services.AddDataProtection().UseEphemeralDataProtectionProvider());

        var entry = Assert.Single(_logs.WithEventId(KeyRingNotShared));
        Assert.Contains("ephemeral", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RedisKeyRingAndName_NoWarningAndReadyLogged()
    {
        await using var app = await StartAsync(kit => kit.AddRedisDataProtection("shop").AddSessionSharing());

        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Warning && e.EventId.Id is >= 3300 and < 3400);
        var ready = Assert.Single(_logs.WithEventId(Ready));
        Assert.Contains("RedisXmlRepository", ready.Message, StringComparison.Ordinal);
        Assert.Contains("RedisDistributedCache", ready.Message, StringComparison.Ordinal);
        Assert.Equal("shop", DataProtectionName(app));
    }

    [Fact]
    public async Task Start_NameOnlyFromOption_AppliedToDataProtection()
    {
        await using var app = await StartAsync(kit => kit.AddSessionSharing(o => o.ApplicationName = "from-option"));

        Assert.Equal("from-option", DataProtectionName(app));
        Assert.Equal(ApplicationNameSource.SessionSharingOption, app.Services.GetRequiredService<SessionSharingState>().Source);
    }

    [Fact]
    public async Task Start_NoNameAnywhere_HostApplicationNameReplacesContentRootDefault()
    {
        await using var app = await StartAsync(kit => kit.AddSessionSharing(), services => services.AddDataProtection().PersistKeysToHybridCacheKitRedis());

        Assert.Equal(app.Environment.ApplicationName, DataProtectionName(app));
        Assert.NotEqual(app.Environment.ContentRootPath, DataProtectionName(app));
        Assert.Empty(_logs.WithEventId(ApplicationNameNotShared));
    }

    [Fact]
    public async Task Start_OptionNameDiffersFromConfiguredName_OptionWinsWithWarning()
    {
        await using var app = await StartAsync(kit => kit.AddRedisDataProtection("elsewhere").AddSessionSharing(o => o.ApplicationName = "option"));

        Assert.Equal("option", DataProtectionName(app));
        Assert.Equal(LogLevel.Warning, Assert.Single(_logs.WithEventId(ApplicationNameReplaced)).Level);
    }

    [Fact]
    public async Task Start_InProcessDistributedCache_Warning()
    {
        await using var app = await StartAsync(
            kit => kit.AddSessionSharing(o => o.KeyRingIsShared = true),
            services => services.AddDistributedMemoryCache().AddDataProtection().PersistKeysToFileSystem(_keyFolder),
            withRedis: false);

        Assert.Equal(LogLevel.Warning, Assert.Single(_logs.WithEventId(CacheNotShared)).Level);
    }

    [Fact]
    public async Task Start_NoDistributedCache_FailsNamingTheFix()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(kit => kit.AddSessionSharing(), withRedis: false));

        Assert.Contains("AddStackExchangeRedis", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlainStringValueLayout_FailsNamingTheSetting()
    {
        // Every session commit uses a sliding expiration, which PlainString refuses; the middleware would swallow it.
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(
            kit => kit.AddStackExchangeRedis(o =>
                {
                    o.Configuration = redis.ConfigurationString;
                    o.InstanceName = _instance;
                    o.ValueLayout = RedisValueLayout.PlainString;
                })
                .AddRedisDataProtection("shop")
                .AddSessionSharing(),
            withRedis: false));

        Assert.Contains("ValueLayout", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MicrosoftHash", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SameSiteNoneWithoutSecure_FailsNamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(kit => kit.AddRedisDataProtection("shop").AddSessionSharing(o =>
        {
            o.CookieSameSite = SameSiteMode.None;
            o.CookieSecurePolicy = CookieSecurePolicy.SameAsRequest;
        })));

        Assert.Contains(nameof(SessionSharingOptions.CookieSameSite), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IdleTimeout")]
    [InlineData("ApplicationName")]
    [InlineData("CookieName")]
    [InlineData("KeyPrefix")]
    [InlineData("StoreTimeout")]
    public async Task Start_InvalidSetting_FailsNamingIt(string setting)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(kit => kit.AddRedisDataProtection("shop").AddSessionSharing(o =>
        {
            switch (setting)
            {
                case "IdleTimeout": o.IdleTimeout = TimeSpan.Zero; break;
                case "ApplicationName": o.ApplicationName = "  "; break;
                case "CookieName": o.CookieName = "bad name;"; break;
                case "KeyPrefix": o.KeyPrefix = "bad\nprefix"; break;
                case "StoreTimeout": o.StoreTimeout = TimeSpan.Zero; break;
            }
        })));

        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSessionSharing_CalledTwice_OneStoreOneCheckOptionsApplied()
    {
        await using var app = await StartAsync(kit => kit.AddRedisDataProtection("shop")
            .AddSessionSharing(o => o.IdleTimeout = TimeSpan.FromMinutes(3))
            .AddSessionSharing(o => o.CookieName = ".second"));

        var session = app.Services.GetRequiredService<IOptions<SessionOptions>>().Value;
        Assert.IsType<SharedSessionStore>(app.Services.GetRequiredService<ISessionStore>());
        Assert.Single(app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<SessionSharingStartupCheck>());
        Assert.Equal(TimeSpan.FromMinutes(3), session.IdleTimeout);
        Assert.Equal(".second", session.Cookie.Name);
        Assert.True(session.Cookie.HttpOnly);
        Assert.Single(_logs.WithEventId(Ready));
    }

    public void Dispose() => _keyFolder.Delete(recursive: true);

    private static string? DataProtectionName(WebApplication app)
        => app.Services.GetRequiredService<IOptions<DataProtectionOptions>>().Value.ApplicationDiscriminator;

    private async Task<WebApplication> StartAsync(
        Action<IHybridCacheKitBuilder> kit,
        Action<IServiceCollection>? services = null,
        bool withRedis = true)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(_logs).SetMinimumLevel(LogLevel.Information);
        var cache = builder.Services.AddHybridCacheKit();
        if (withRedis)
        {
            cache.AddStackExchangeRedis(o =>
            {
                o.Configuration = redis.ConfigurationString;
                o.InstanceName = _instance;
            });
        }

        kit(cache);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseSession();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }
}
