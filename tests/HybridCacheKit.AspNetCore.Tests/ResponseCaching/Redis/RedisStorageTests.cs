using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using HybridCacheKit.TestUtilities.Redis;
using HybridCacheKit.TestUtilities.Time;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Redis;

/// <summary>What reaches Redis: nothing on an L1 hit, L2 after the local duration, and damaged bytes are a clean miss.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisStorageTests(RedisServerFixture redis)
{
    private const int EventInvalidPayload = 1005;
    private const int EventDeserializationFailed = 1006;

    [Fact]
    public async Task Get_L1Hit_SendsNoReadToRedis()
    {
        // Without the backplane: a backplane that reconnects (or whose heartbeat is late on a loaded machine) makes the
        // engine revalidate L1 against L2 on purpose, which is not what this test is about.
        var instance = RedisNodes.NewInstanceName();
        await using var node = await RedisNodes.StartAsync(redis, instance, "A", backplane: false);
        await using var client = await redis.Server.CreateClientAsync();
        await node.GetStringAsync("/item");
        await node.GetStringAsync("/item");

        // The first miss releases its lock after the response is sent; with a release script (compare-and-delete and
        // announce in one call) that call names the lock key, so let it finish before monitoring.
        await EngineMetrics.WaitUntilAsync(
            async () => (await client.ExecuteAsync("KEYS", instance + "__hck:lock:*")).Items!.Count == 0,
            "the first miss's lock was released");
        await using var monitor = await RedisMonitor.StartAsync(redis.Server);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("item from A run 1", await node.GetStringAsync("/item"));
        }

        // Nothing this node's keys are named with (its InstanceName) reached Redis during the hits. The one exception is
        // the first miss's lock-release announcement: the lock is released after the response is sent, so its PUBLISH
        // on the lock channel may land after the monitor started. It is not a read and carries no entry.
        var lockChannel = "\"" + instance + "__hck:locks\"";
        var commands = (await monitor.NextBatchAsync())
            .Where(e => !(e.Command == "publish" && e.Line.Contains(lockChannel, StringComparison.Ordinal)))
            .Select(e => e.Line)
            .ToList();
        Assert.DoesNotContain(commands, c => c.Contains(instance, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_AfterLocalDuration_ReadsL2WithoutRunningTheEndpoint()
    {
        var instance = RedisNodes.NewInstanceName();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await RedisNodes.StartAsync(redis, instance, "A", time: time);
        await using var client = await redis.Server.CreateClientAsync();
        await node.GetStringAsync("/products/9");

        time.Advance(TimeSpan.FromSeconds(2)); // past LocalDuration (1 s), well within Duration (60 s)
        await using var monitor = await RedisMonitor.StartAsync(redis.Server);
        var body = await node.GetStringAsync("/products/9");
        var commands = (await monitor.NextBatchAsync()).Select(e => e.Line).ToList();

        Assert.Equal("product 9 from A run 1", body);
        Assert.Contains(commands, c => c.Contains(instance + "rc:v1|", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_GarbageWrittenOverTheEntryInRedis_IsACleanMissAndIsReplaced()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A");
        await using var b = await RedisNodes.StartAsync(redis, instance, "B");
        await a.GetStringAsync("/item");
        var key = Assert.Single(await RedisNodes.ResponseKeysAsync(redis, instance));
        await using var client = await redis.Server.CreateClientAsync();
        await client.ExecuteAsync("HSET", key, "data", "HRC\u0001 definitely not a response"u8.ToArray());

        var fromB = await b.GetStringAsync("/item");
        var again = await b.GetStringAsync("/item");

        Assert.Equal("item from B run 1", fromB);
        Assert.Equal(fromB, again);
        Assert.NotEmpty(b.Logs.WithEventId(EventInvalidPayload));
    }

    [Fact]
    public async Task Get_ValidEnvelopeAroundADamagedResponse_IsACleanMissThroughTheResponseSerializer()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A");
        await using var b = await RedisNodes.StartAsync(redis, instance, "B");
        await a.GetStringAsync("/item");
        var key = Assert.Single(await RedisNodes.ResponseKeysAsync(redis, instance));
        await using var client = await redis.Server.CreateClientAsync();
        var envelope = (await client.ExecuteAsync("HGET", key, "data")).Bytes!;

        // Damage one byte of the stored response body, then re-seal the engine's envelope so only our serializer can notice.
        var bodyEnd = envelope.Length - 4 - 4;
        envelope[bodyEnd - 1] ^= 0x20;
        BinaryPrimitives.WriteUInt32LittleEndian(envelope.AsSpan(envelope.Length - 4), Crc32C(envelope.AsSpan(0, envelope.Length - 4)));
        await client.ExecuteAsync("HSET", key, "data", envelope);
        var fromB = await b.GetStringAsync("/item");

        Assert.Equal("item from B run 1", fromB);
        // Read twice on the way to the run (before and after taking the lock), rejected both times.
        var failures = b.Logs.WithEventId(EventDeserializationFailed);
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.IsType<InvalidDataException>(f.Exception));
    }

    [Fact]
    public async Task Get_PlainLayoutWithCorruptBytes_IsACleanMissThroughTheResponseSerializer()
    {
        var instance = RedisNodes.NewInstanceName();
        await using var a = await RedisNodes.StartAsync(redis, instance, "A", plainLayout: true);
        await using var b = await RedisNodes.StartAsync(redis, instance, "B", plainLayout: true);
        await a.GetStringAsync("/item");
        var key = Assert.Single(await RedisNodes.ResponseKeysAsync(redis, instance));
        await using var client = await redis.Server.CreateClientAsync();
        var stored = (await client.ExecuteAsync("GET", key)).Bytes!;
        Assert.Equal("HRC"u8.ToArray(), stored[..3]);
        stored[^6] ^= 0x01;
        await client.ExecuteAsync("SET", key, stored, "EX", "60");

        var fromB = await b.GetStringAsync("/item");
        await client.ExecuteAsync("SET", key, Encoding.UTF8.GetBytes("{\"json\":true}"), "EX", "60");
        await using var c = await RedisNodes.StartAsync(redis, instance, "C", plainLayout: true);
        var fromC = await c.GetStringAsync("/item");

        Assert.Equal("item from B run 1", fromB);
        Assert.Equal("item from C run 1", fromC);
        Assert.NotEmpty(b.Logs.WithEventId(EventDeserializationFailed));
        Assert.NotEmpty(c.Logs.WithEventId(EventDeserializationFailed));
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
