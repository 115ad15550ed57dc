using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Security;

/// <summary>AUTH with a password (<c>requirepass</c> / <c>password=</c> in the configuration string).</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string Password = "correct-Horse-battery-9";
    private RedisServer? _server;

    private RedisServer Server => _server!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(["--requirepass", Password]);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_CorrectPassword_SecondNodeReadsValueFromRedis()
    {
        var configuration = $"{Server.ConfigurationString},password={Password}";
        await using var writer = await RedisTestApp.StartAsync("auth:", configuration);
        await using var reader = await RedisTestApp.StartAsync("auth:", configuration);
        var factory = new CountingFactory<string>(n => "value-" + n);

        Assert.Equal("value-1", await writer.Cache.GetOrCreateAsync("k", factory.InvokeAsync));
        Assert.Equal("value-1", await reader.Cache.GetOrCreateAsync("k", factory.InvokeAsync));
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_WrongPassword_CallersGetFactoryValuesAndNothingIsStored()
    {
        await using var app = await RedisTestApp.StartAsync("auth-wrong:", $"{Server.ConfigurationString},password=wrong,connectTimeout=500", waitUntilConnected: false);
        var factory = new CountingFactory<string>(n => "value-" + n);

        var first = await app.Cache.GetOrCreateAsync("k", factory.InvokeAsync).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await app.Cache.SetAsync("other", "x").AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("value-1", first);
        await using var admin = await Server.CreateClientAsync();
        Assert.Equal("OK", (await admin.ExecuteAsync("AUTH", Password)).Text);
        Assert.Equal(0, (await admin.ExecuteAsync("DBSIZE")).Integer);
    }

    [Fact]
    public async Task GetAsync_WrongPassword_UnavailableExceptionDoesNotRevealPassword()
    {
        const string Wrong = "Wrong-Secret-123";
        await using var app = await RedisTestApp.StartAsync("auth-msg:", $"{Server.ConfigurationString},password={Wrong},connectTimeout=500", waitUntilConnected: false);

        var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => app.DistributedCache.GetAsync("k").WaitAsync(TimeSpan.FromSeconds(10)));

        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain(Wrong, e.Message, StringComparison.Ordinal);
        }
    }
}
