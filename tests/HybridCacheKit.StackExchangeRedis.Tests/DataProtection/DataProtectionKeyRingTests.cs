using HybridCacheKit.TestUtilities.Redis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.StackExchangeRedis.Tests.DataProtection;

/// <summary>Separate service providers over one Redis (two app servers, or one app before and after a restart) share one key ring.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class DataProtectionKeyRingTests(RedisServerFixture redis)
{
    private readonly string _instance = "dp-" + Guid.NewGuid().ToString("N") + ":";

    [Fact]
    public async Task Unprotect_PayloadProtectedByAnotherNode_ReturnsOriginal()
    {
        await using var nodeA = CreateApp();
        await using var nodeB = CreateApp();

        var payload = Protector(nodeA).Protect("session-42");

        Assert.Equal("session-42", Protector(nodeB).Unprotect(payload));
    }

    [Fact]
    public async Task Unprotect_AfterAppRestart_UsesStoredKeyWithoutCreatingAnother()
    {
        string payload;
        await using (var before = CreateApp())
        {
            payload = Protector(before).Protect("remember-me");
        }

        Assert.Equal(1, await ListLengthAsync(_instance + "DataProtection-Keys"));

        await using var after = CreateApp();
        Assert.Equal("remember-me", Protector(after).Unprotect(payload));
        Assert.Equal(1, await ListLengthAsync(_instance + "DataProtection-Keys"));
    }

    [Fact]
    public async Task Unprotect_DifferentApplicationName_ThrowsCryptographicException()
    {
        await using var shop = CreateApp("shop");
        await using var admin = CreateApp("admin");

        var payload = Protector(shop).Protect("secret");

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Protector(admin).Unprotect(payload));
    }

    [Fact]
    public async Task PersistKeysToHybridCacheKitRedis_ExplicitKey_StoresKeysUnderThatKeyOnly()
    {
        var key = "custom-ring-" + Guid.NewGuid().ToString("N");
        var services = new ServiceCollection();
        services.AddHybridCacheKit().AddStackExchangeRedis(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.InstanceName = _instance;
        });
        services.AddDataProtection().SetApplicationName("explicit").PersistKeysToHybridCacheKitRedis(key);
        await using var app = services.BuildServiceProvider();

        Protector(app).Protect("x");

        Assert.Equal(1, await ListLengthAsync(key));
        Assert.Equal(0, await ListLengthAsync(_instance + "DataProtection-Keys"));
    }

    [Fact]
    public async Task PersistKeysToHybridCacheKitRedis_RedisNotRegistered_ThrowsNamingTheFix()
    {
        var services = new ServiceCollection();
        services.AddDataProtection().PersistKeysToHybridCacheKitRedis();
        await using var app = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => Protector(app).Protect("x"));

        Assert.Contains("AddStackExchangeRedis", ex.Message, StringComparison.Ordinal);
    }

    private ServiceProvider CreateApp(string applicationName = "orders")
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit().AddStackExchangeRedis(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.InstanceName = _instance;
        }).AddRedisDataProtection(applicationName);
        return services.BuildServiceProvider();
    }

    private static IDataProtector Protector(IServiceProvider app) => app.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests");

    private async Task<long> ListLengthAsync(string key)
    {
        await using var client = await redis.Server.CreateClientAsync();
        return (await client.ExecuteAsync("LLEN", key)).Integer;
    }
}
