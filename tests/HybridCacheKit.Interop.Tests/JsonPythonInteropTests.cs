using System.Text.Json;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Interop;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Interop.Tests;

/// <summary>The engine in interop mode (plain L2 values, Redis strings) and a Python service using redis-py share keys as JSON.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class JsonPythonInteropTests(RedisServerFixture redis) : PlainModeInteropTests(redis, "interop:")
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

    [Fact]
    public async Task GetOrCreateAsync_IntAndListDumpedByPython_AreRead()
    {
        await PythonPeer.RunAsync(PythonSetex, Redis.ConfigurationString, Prefix + "py-int", "300", "-70000");
        await PythonPeer.RunAsync(PythonSetex, Redis.ConfigurationString, Prefix + "py-list", "300", "[1, 2, 300]");

        var number = await Cache.GetOrCreateAsync(Prefix + "py-int", ct => ValueTask.FromResult(0));
        var list = await Cache.GetOrCreateAsync(Prefix + "py-list", ct => ValueTask.FromResult(new List<int>()));

        Assert.Equal(-70000, number);
        Assert.Equal([1, 2, 300], list);
    }

    [Fact]
    public async Task SetAsync_IntAndList_PythonLoadsThem()
    {
        await Cache.SetAsync(Prefix + "dotnet-int", 123456);
        await Cache.SetAsync(Prefix + "dotnet-list", new List<int> { 5, -1, 70000 });

        var number = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, Redis.ConfigurationString, Prefix + "dotnet-int")).RootElement;
        var list = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, Redis.ConfigurationString, Prefix + "dotnet-list")).RootElement;

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
        await using var services = Build(Redis.ConfigurationString, builder => builder.AddJsonSerializerContext(InteropJsonContext.Default));
        var cache = services.GetRequiredService<HybridCache>();
        await PythonPeer.RunAsync(PythonSetex, Redis.ConfigurationString, Prefix + "py-str", "300", "\"Zoë\"");
        await cache.SetAsync(Prefix + "dotnet-str", "Émile");

        var read = await cache.GetOrCreateAsync(Prefix + "py-str", ct => ValueTask.FromResult("factory"));
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, Redis.ConfigurationString, Prefix + "dotnet-str")).RootElement;

        Assert.Equal("Zoë", read);
        Assert.Equal("Émile", seen.GetProperty("value").GetString());
    }

    [Fact]
    public async Task GetOrCreateAsync_ValueWrittenByPythonSetex_IsReadWithoutFactory()
    {
        var key = Prefix + "py-wrote";
        await PythonPeer.RunAsync(PythonSetex, Redis.ConfigurationString, key, "300", """{"id": 7, "name": "Émile", "tags": ["a", "b"], "price": 12.5}""");

        var factoryRuns = 0;
        var product = await Cache.GetOrCreateAsync(key, ct =>
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
        var key = Prefix + "dotnet-wrote";
        await Cache.SetAsync(key, new Product(42, "Kettle", ["kitchen"], 19.99m), new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(2) });

        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, Redis.ConfigurationString, key)).RootElement;

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
        var key = Prefix + "garbage";
        await PythonPeer.RunAsync("""
            import sys, redis
            host, port = sys.argv[1].split(':')
            redis.Redis(host=host, port=int(port)).setex(sys.argv[2], 300, b'\xff\xfe not json')
            """, Redis.ConfigurationString, key);

        var product = await Cache.GetOrCreateAsync(key, ct => ValueTask.FromResult(new Product(1, "fresh", [], 1m)));
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, Redis.ConfigurationString, key)).RootElement;

        Assert.Equal("fresh", product.Name);
        Assert.Equal("fresh", seen.GetProperty("value").GetProperty("name").GetString());
    }

    [Fact]
    public async Task RemoveAsync_KeyIsGoneForPythonToo()
    {
        var key = Prefix + "removed";
        await Cache.SetAsync(key, new Product(3, "gone soon", [], 1m));

        await Cache.RemoveAsync(key);
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGet, Redis.ConfigurationString, key)).RootElement;

        Assert.Equal(JsonValueKind.Null, seen.GetProperty("value").ValueKind);
    }

    protected override ServiceProvider Build(string configuration) => Build(configuration, configure: null);

    private static ServiceProvider Build(string configuration, Action<IHybridCacheKitBuilder>? configure)
        => BuildPlain(configuration, o => o.JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web), configure);

    public sealed record Product(int Id, string Name, string[] Tags, decimal Price);
}
