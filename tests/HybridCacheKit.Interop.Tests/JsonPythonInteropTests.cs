using System.Text.Json;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Interop;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Interop.Tests;

/// <summary>The engine in interop mode (plain L2 values, Redis strings) and a Python service using redis-py share keys as JSON.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class JsonPythonInteropTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string PythonSetex = """
        import json, sys, redis
        host, port = sys.argv[1].split(':')
        r = redis.Redis(host=host, port=int(port))
        r.setex(sys.argv[2], int(sys.argv[3]), json.dumps(json.loads(sys.argv[4])))
        """;

    private const string PythonGet = """
        import json, sys, redis
        host, port = sys.argv[1].split(':')
        r = redis.Redis(host=host, port=int(port))
        raw = r.get(sys.argv[2])
        print(json.dumps({"value": None if raw is None else json.loads(raw), "ttl": r.ttl(sys.argv[2])}, sort_keys=True))
        """;

    private const string PythonSetexText = """
        import sys, redis
        host, port = sys.argv[1].split(':')
        redis.Redis(host=host, port=int(port)).setex(sys.argv[2], 300, sys.argv[3])
        """;

    private const string PythonGetRaw = """
        import json, sys, redis
        host, port = sys.argv[1].split(':')
        raw = redis.Redis(host=host, port=int(port)).get(sys.argv[2])
        print(json.dumps({"hex": raw.hex(), "text": raw.decode('utf-8', errors='replace')}))
        """;

    private readonly string _prefix = "interop:" + Guid.NewGuid().ToString("N")[..8] + ":";
    private ServiceProvider _services = null!;
    private HybridCache _cache = null!;

    public Task InitializeAsync()
    {
        _services = Build(redis.ConfigurationString);
        _cache = _services.GetRequiredService<HybridCache>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task GetOrCreateAsync_TextSetexedByRedisPy_IsReadAsRawUtf8String()
    {
        var key = _prefix + "py-text";
        await PythonPeer.RunAsync(PythonSetexText, redis.ConfigurationString, key, "Zoë says \"hi\"");

        var text = await _cache.GetOrCreateAsync(key, ct => ValueTask.FromResult("factory"));

        // A top-level string is not JSON in plain mode: the engine's built-in string serializer stores raw UTF-8.
        Assert.Equal("Zoë says \"hi\"", text);
    }

    [Fact]
    public async Task SetAsync_String_RedisPyGetsTheRawUtf8Text()
    {
        var key = _prefix + "dotnet-text";
        await _cache.SetAsync(key, "Zoë");

        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetRaw, redis.ConfigurationString, key)).RootElement;

        Assert.Equal("5a6fc3ab", seen.GetProperty("hex").GetString());
        Assert.Equal("Zoë", seen.GetProperty("text").GetString());
    }

    [Fact]
    public async Task GetOrCreateAsync_IntAndListDumpedByPython_AreRead()
    {
        await PythonPeer.RunAsync(PythonSetex, redis.ConfigurationString, _prefix + "py-int", "300", "-70000");
        await PythonPeer.RunAsync(PythonSetex, redis.ConfigurationString, _prefix + "py-list", "300", "[1, 2, 300]");

        var number = await _cache.GetOrCreateAsync(_prefix + "py-int", ct => ValueTask.FromResult(0));
        var list = await _cache.GetOrCreateAsync(_prefix + "py-list", ct => ValueTask.FromResult(new List<int>()));

        Assert.Equal(-70000, number);
        Assert.Equal([1, 2, 300], list);
    }

    [Fact]
    public async Task SetAsync_IntAndList_PythonLoadsThem()
    {
        await _cache.SetAsync(_prefix + "dotnet-int", 123456);
        await _cache.SetAsync(_prefix + "dotnet-list", new List<int> { 5, -1, 70000 });

        var number = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, redis.ConfigurationString, _prefix + "dotnet-int")).RootElement;
        var list = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, redis.ConfigurationString, _prefix + "dotnet-list")).RootElement;

        Assert.Equal(123456, number.GetProperty("value").GetInt32());
        Assert.Equal([5, -1, 70000], list.GetProperty("value").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>
    /// The opt-in for peers that json.dumps every value, strings included: a source-generated context that lists
    /// string is asked before the built-in raw UTF-8 serializer, so a top-level string is then a JSON string.
    /// </summary>
    [Fact]
    public async Task JsonContextWithString_StringDumpedByPythonAndBack_JsonStringBothWays()
    {
        await using var services = Build(redis.ConfigurationString, builder => builder.AddJsonSerializerContext(InteropJsonContext.Default));
        var cache = services.GetRequiredService<HybridCache>();
        await PythonPeer.RunAsync(PythonSetex, redis.ConfigurationString, _prefix + "py-str", "300", "\"Zoë\"");
        await cache.SetAsync(_prefix + "dotnet-str", "Émile");

        var read = await cache.GetOrCreateAsync(_prefix + "py-str", ct => ValueTask.FromResult("factory"));
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, redis.ConfigurationString, _prefix + "dotnet-str")).RootElement;

        Assert.Equal("Zoë", read);
        Assert.Equal("Émile", seen.GetProperty("value").GetString());
    }

    [Fact]
    public async Task GetOrCreateAsync_ValueWrittenByPythonSetex_IsReadWithoutFactory()
    {
        var key = _prefix + "py-wrote";
        await PythonPeer.RunAsync(PythonSetex, redis.ConfigurationString, key, "300", """{"id": 7, "name": "Émile", "tags": ["a", "b"], "price": 12.5}""");

        var factoryRuns = 0;
        var product = await _cache.GetOrCreateAsync(key, ct =>
        {
            factoryRuns++;
            return ValueTask.FromResult(new Product(0, "factory", [], 0));
        });

        Assert.Equal(0, factoryRuns);
        Assert.Equal(7, product.Id);
        Assert.Equal("Émile", product.Name);
        Assert.Equal(["a", "b"], product.Tags);
        Assert.Equal(12.5m, product.Price);
    }

    [Fact]
    public async Task SetAsync_ValueIsReadByPythonAsPlainJsonWithTtl()
    {
        var key = _prefix + "dotnet-wrote";
        await _cache.SetAsync(key, new Product(42, "Kettle", ["kitchen"], 19.99m), new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(2) });

        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, redis.ConfigurationString, key)).RootElement;

        var value = seen.GetProperty("value");
        Assert.Equal(42, value.GetProperty("id").GetInt32());
        Assert.Equal("Kettle", value.GetProperty("name").GetString());
        Assert.Equal("kitchen", value.GetProperty("tags")[0].GetString());
        Assert.Equal(19.99m, value.GetProperty("price").GetDecimal());
        Assert.InRange(seen.GetProperty("ttl").GetInt32(), 100, 120);
    }

    [Fact]
    public async Task GetOrCreateAsync_PythonWroteSomethingThatIsNotJson_IsAMissAndGetsOverwritten()
    {
        var key = _prefix + "garbage";
        await PythonPeer.RunAsync("""
            import sys, redis
            host, port = sys.argv[1].split(':')
            redis.Redis(host=host, port=int(port)).setex(sys.argv[2], 300, b'\xff\xfe not json')
            """, redis.ConfigurationString, key);

        var product = await _cache.GetOrCreateAsync(key, ct => ValueTask.FromResult(new Product(1, "fresh", [], 1m)));
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, redis.ConfigurationString, key)).RootElement;

        Assert.Equal("fresh", product.Name);
        Assert.Equal("fresh", seen.GetProperty("value").GetProperty("name").GetString());
    }

    [Fact]
    public async Task RemoveAsync_KeyIsGoneForPythonToo()
    {
        var key = _prefix + "removed";
        await _cache.SetAsync(key, new Product(3, "gone soon", [], 1m));

        await _cache.RemoveAsync(key);
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, redis.ConfigurationString, key)).RootElement;

        Assert.Equal(JsonValueKind.Null, seen.GetProperty("value").ValueKind);
    }

    private static ServiceProvider Build(string configuration, Action<IHybridCacheKitBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        // The first call waits for the connection; on a loaded CI machine that can pass the engine's default 500 ms L2
        // timeout, after which the engine keeps the value in L1 only, by design. These tests are about the bytes other
        // languages see, so both timeouts are generous.
        var builder = services.AddHybridCacheKit(o =>
        {
            o.L2Format = HybridCacheL2Format.Plain;
            o.JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            o.DistributedCacheTimeout = TimeSpan.FromSeconds(10);
        }).AddStackExchangeRedis(o =>
        {
            o.Configuration = configuration;
            o.ValueLayout = RedisValueLayout.PlainString;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        configure?.Invoke(builder);
        return services.BuildServiceProvider();
    }

    public sealed record Product(int Id, string Name, string[] Tags, decimal Price);
}
