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

    private readonly string _prefix = "interop:" + Guid.NewGuid().ToString("N")[..8] + ":";
    private ServiceProvider _services = null!;
    private HybridCache _cache = null!;

    public Task InitializeAsync()
    {
        var services = new ServiceCollection();
        // The first call waits for the connection; on a loaded CI machine that can pass the engine's default 500 ms L2
        // timeout, after which the engine keeps the value in L1 only, by design. These tests are about the bytes other
        // languages see, so both timeouts are generous.
        services.AddHybridCacheKit(o =>
        {
            o.L2Format = HybridCacheL2Format.Plain;
            o.JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            o.DistributedCacheTimeout = TimeSpan.FromSeconds(10);
        }).AddStackExchangeRedis(o =>
        {
            o.Configuration = redis.ConfigurationString;
            o.ValueLayout = RedisValueLayout.PlainString;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        _services = services.BuildServiceProvider();
        _cache = _services.GetRequiredService<HybridCache>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

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

    public sealed record Product(int Id, string Name, string[] Tags, decimal Price);
}
