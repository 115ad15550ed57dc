using System.Text.Json;
using HybridCacheKit.Serialization.MessagePack;
using HybridCacheKit.StackExchangeRedis;
using HybridCacheKit.TestUtilities.Interop;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Interop.Tests;

/// <summary>The engine in interop mode with the MessagePack serializer and a Python service using msgpack + redis-py.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class MessagePackPythonInteropTests(RedisServerFixture redis) : PlainModeInteropTests(redis, "mpinterop:")
{
    // Python receives the value as JSON on the command line, packs it with msgpack and SETEXes it.
    private const string PythonPackAndSetex = """
        import json, sys, msgpack, redis
        host, port = sys.argv[1].split(':')
        r = redis.Redis(host=host, port=int(port))
        r.setex(sys.argv[2], 300, msgpack.packb(json.loads(sys.argv[3]), use_bin_type=True))
        """;

    // Python GETs the key, unpacks it and prints it as JSON (bytes as a list of ints) with its TTL.
    private const string PythonGetAndUnpack = """
        import json, sys, msgpack, redis
        host, port = sys.argv[1].split(':')
        r = redis.Redis(host=host, port=int(port))
        raw = r.get(sys.argv[2])
        value = None if raw is None else msgpack.unpackb(raw, raw=False, timestamp=3)
        def default(o):
            if isinstance(o, (bytes, bytearray)): return list(o)
            return str(o)
        print(json.dumps({"value": value, "ttl": r.ttl(sys.argv[2])}, default=default, sort_keys=True))
        """;

    [Fact]
    public async Task GetOrCreateAsync_IntAndListPackedByPython_AreRead()
    {
        await PythonPeer.RunAsync(PythonPackAndSetex, Redis.ConfigurationString, Prefix + "py-int", "-70000");
        await PythonPeer.RunAsync(PythonPackAndSetex, Redis.ConfigurationString, Prefix + "py-list", "[1, 2, 300]");

        var number = await Cache.GetOrCreateAsync(Prefix + "py-int", ct => ValueTask.FromResult(0));
        var list = await Cache.GetOrCreateAsync(Prefix + "py-list", ct => ValueTask.FromResult(new List<int>()));

        Assert.Equal(-70000, number);
        Assert.Equal([1, 2, 300], list);
    }

    [Fact]
    public async Task SetAsync_IntAndList_PythonUnpacksThem()
    {
        await Cache.SetAsync(Prefix + "dotnet-int", 123456);
        await Cache.SetAsync(Prefix + "dotnet-list", new List<int> { 5, -1, 70000 });

        var number = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetAndUnpack, Redis.ConfigurationString, Prefix + "dotnet-int")).RootElement;
        var list = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetAndUnpack, Redis.ConfigurationString, Prefix + "dotnet-list")).RootElement;

        Assert.Equal(123456, number.GetProperty("value").GetInt32());
        Assert.Equal([5, -1, 70000], list.GetProperty("value").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>The opt-in for peers that pack every value, strings included: a top-level string is then a MessagePack str.</summary>
    [Fact]
    public async Task EncodeStringAndByteArrayValues_StringPackedByPythonAndBack_MessagePackStrBothWays()
    {
        await using var services = Build(Redis.ConfigurationString, o => o.EncodeStringAndByteArrayValues = true);
        var cache = services.GetRequiredService<HybridCache>();
        await PythonPeer.RunAsync(PythonPackAndSetex, Redis.ConfigurationString, Prefix + "py-str", "\"Zoë\"");
        await cache.SetAsync(Prefix + "dotnet-str", "Émile");

        var read = await cache.GetOrCreateAsync(Prefix + "py-str", ct => ValueTask.FromResult("factory"));
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetAndUnpack, Redis.ConfigurationString, Prefix + "dotnet-str")).RootElement;

        Assert.Equal("Zoë", read);
        Assert.Equal("Émile", seen.GetProperty("value").GetString());
    }

    [Fact]
    public async Task GetOrCreateAsync_ValuePackedByPython_IsReadWithoutFactory()
    {
        var key = Prefix + "py-wrote";
        await PythonPeer.RunAsync(PythonPackAndSetex, Redis.ConfigurationString, key, """{"Id": 9, "Name": "Zoë", "Tags": ["x", "y"], "Stock": {"paris": 3, "oslo": 0}}""");

        var runs = 0;
        var item = await Cache.GetOrCreateAsync(key, ct =>
        {
            runs++;
            return ValueTask.FromResult(new Item());
        });

        Assert.Equal(0, runs);
        Assert.Equal(9, item.Id);
        Assert.Equal("Zoë", item.Name);
        Assert.Equal(["x", "y"], item.Tags);
        Assert.Equal(3, item.Stock["paris"]);
        Assert.Equal(0, item.Stock["oslo"]);
    }

    [Fact]
    public async Task SetAsync_ValueIsUnpackedByPythonAsAMapWithNamedFields()
    {
        var key = Prefix + "dotnet-wrote";
        var created = new DateTimeOffset(2026, 11, 22, 8, 30, 0, TimeSpan.Zero);
        await Cache.SetAsync(key, new Item { Id = 4, Name = "Teapot", Tags = ["kitchen"], Stock = new() { ["rome"] = 12 }, Created = created, Blob = [1, 2, 255] },
            new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(2) });

        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetAndUnpack, Redis.ConfigurationString, key)).RootElement;

        var value = seen.GetProperty("value");
        Assert.Equal(4, value.GetProperty("Id").GetInt32());
        Assert.Equal("Teapot", value.GetProperty("Name").GetString());
        Assert.Equal("kitchen", value.GetProperty("Tags")[0].GetString());
        Assert.Equal(12, value.GetProperty("Stock").GetProperty("rome").GetInt32());
        Assert.Equal(new[] { 1, 2, 255 }, value.GetProperty("Blob").EnumerateArray().Select(e => e.GetInt32()));
        // msgpack's timestamp=3 option decodes the timestamp extension to a datetime; printed via str().
        Assert.StartsWith("2026-11-22 08:30:00", value.GetProperty("Created").GetString(), StringComparison.Ordinal);
        Assert.InRange(seen.GetProperty("ttl").GetInt32(), 100, 120);
    }

    [Fact]
    public async Task GetOrCreateAsync_PythonWroteMalformedMessagePack_IsAMissAndGetsOverwritten()
    {
        var key = Prefix + "garbage";
        await PythonPeer.RunAsync("""
            import sys, redis
            host, port = sys.argv[1].split(':')
            redis.Redis(host=host, port=int(port)).setex(sys.argv[2], 300, b'\xdf\xff\xff\xff\xff')
            """, Redis.ConfigurationString, key);

        var item = await Cache.GetOrCreateAsync(key, ct => ValueTask.FromResult(new Item { Id = 1, Name = "fresh" }));
        var seen = JsonDocument.Parse(await PythonPeer.RunAsync(PythonGetAndUnpack, Redis.ConfigurationString, key)).RootElement;

        Assert.Equal("fresh", item.Name);
        Assert.Equal("fresh", seen.GetProperty("value").GetProperty("Name").GetString());
    }

    protected override ServiceProvider Build(string configuration) => Build(configuration, configure: null);

    private static ServiceProvider Build(string configuration, Action<MessagePackSerializerOptions>? configure)
        => BuildPlain(configuration, serializers: builder => builder.AddMessagePackSerializer(configure));

    public sealed class Item
    {
        public int Id { get; set; }

        public string Name { get; set; } = "";

        public List<string> Tags { get; set; } = [];

        public Dictionary<string, int> Stock { get; set; } = [];

        public DateTimeOffset Created { get; set; }

        public byte[] Blob { get; set; } = [];
    }
}
