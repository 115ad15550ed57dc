using System.Text.Json;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Interop;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Interop.Tests;

/// <summary>
/// What every serializer's interop tests share: an engine in interop mode (plain L2 values, Redis strings) over the
/// shared server, and the top-level string, which is raw UTF-8 in plain mode whatever the serializer.
/// </summary>
public abstract class PlainModeInteropTests(RedisServerFixture redis, string prefix) : IAsyncLifetime
{
    // redis-py's plain string write: setex with a str, which redis-py encodes as UTF-8.
    private const string PythonSetexText = """
        import sys, redis
        host, port = sys.argv[1].split(':')
        redis.Redis(host=host, port=int(port)).setex(sys.argv[2], 300, sys.argv[3])
        """;

    // Python GETs the key and prints the raw bytes (hex) and their UTF-8 text.
    private const string PythonGetRaw = """
        import json, sys, redis
        host, port = sys.argv[1].split(':')
        raw = redis.Redis(host=host, port=int(port)).get(sys.argv[2])
        print(json.dumps({"hex": raw.hex(), "text": raw.decode('utf-8', errors='replace')}))
        """;

    private ServiceProvider _services = null!;

    protected RedisServerFixture Redis => redis;

    /// <summary>Unique per test class instance, so tests never see each other's keys.</summary>
    protected string Prefix { get; } = prefix + Guid.NewGuid().ToString("N")[..8] + ":";

    protected HybridCache Cache { get; private set; } = null!;

    public Task InitializeAsync()
    {
        _services = Build(redis.ConfigurationString);
        Cache = _services.GetRequiredService<HybridCache>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task GetOrCreateAsync_TextSetexedByRedisPy_IsReadAsRawUtf8String()
    {
        var key = Prefix + "py-text";
        await PythonPeer.RunAsync(PythonSetexText, redis.ConfigurationString, key, "Zoë says \"hi\"");

        var text = await Cache.GetOrCreateAsync(key, ct => ValueTask.FromResult("factory"));

        // A top-level string is not serialized in plain mode: the engine's built-in string serializer stores raw UTF-8.
        Assert.Equal("Zoë says \"hi\"", text);
    }

    [Fact]
    public async Task SetAsync_String_RedisPyGetsTheRawUtf8Text()
    {
        var key = Prefix + "dotnet-text";
        await Cache.SetAsync(key, "Zoë");

        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetRaw, redis.ConfigurationString, key)).RootElement;

        Assert.Equal("5a6fc3ab", seen.GetProperty("hex").GetString());
        Assert.Equal("Zoë", seen.GetProperty("text").GetString());
    }

    /// <summary>The engine of the class's default configuration.</summary>
    protected abstract ServiceProvider Build(string configuration);

    /// <summary>
    /// An engine in interop mode over <paramref name="configuration"/>. The first call waits for the connection; on a
    /// loaded CI machine that can pass the engine's default 500 ms L2 timeout, after which the engine keeps the value in
    /// L1 only, by design. These tests are about the bytes other languages see, so both timeouts are generous.
    /// </summary>
    protected static ServiceProvider BuildPlain(string configuration, Action<HybridCacheKitOptions>? engine = null, Action<IHybridCacheKitBuilder>? serializers = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddHybridCacheKit(o =>
        {
            o.L2Format = HybridCacheL2Format.Plain;
            o.DistributedCacheTimeout = TimeSpan.FromSeconds(10);
            engine?.Invoke(o);
        });
        serializers?.Invoke(builder);
        builder.AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.ValueLayout = RedisValueLayout.PlainString;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        return services.BuildServiceProvider();
    }
}
