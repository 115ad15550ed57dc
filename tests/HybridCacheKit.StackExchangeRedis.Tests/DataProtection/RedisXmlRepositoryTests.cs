using System.Xml.Linq;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Observability;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Tests.DataProtection;

/// <summary>The repository keeps Microsoft's layout (one XML element per item of a Redis LIST) and fails loudly without Redis.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisXmlRepositoryTests(RedisServerFixture redis) : IDisposable
{
    private readonly RedisConnection _connection = new(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString });

    [Fact]
    public void Key_NoExplicitKey_IsInstanceNamePlusMicrosoftListName()
    {
        using var unprefixed = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString });
        using var prefixed = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = redis.ConfigurationString, InstanceName = "shop:" });

        Assert.Equal("DataProtection-Keys", new RedisXmlRepository(unprefixed).Key);
        Assert.Equal("shop:DataProtection-Keys", new RedisXmlRepository(prefixed).Key);
        Assert.Equal("exact", new RedisXmlRepository(prefixed, "exact").Key);
    }

    [Fact]
    public async Task StoreElement_TwoElements_AppendsCompactXmlItemsInOrder()
    {
        var repository = new RedisXmlRepository(_connection, UniqueKey());
        var first = new XElement("key", new XAttribute("id", "1"), new XElement("creationDate", "2026-01-01T00:00:00Z"));
        var second = new XElement("key", new XAttribute("id", "2"));

        repository.StoreElement(first, "one");
        repository.StoreElement(second, "two");

        await using var client = await redis.Server.CreateClientAsync();
        var items = (await client.ExecuteAsync("LRANGE", repository.Key, 0, -1)).Items!;
        Assert.Equal(
            [first.ToString(SaveOptions.DisableFormatting), second.ToString(SaveOptions.DisableFormatting)],
            items.Select(i => i.Text));
    }

    [Fact]
    public async Task GetAllElements_ListWrittenWithRawRpush_ReturnsEveryElement()
    {
        // What Microsoft's repository writes: RPUSH of each key's XML.
        var key = UniqueKey();
        await using (var client = await redis.Server.CreateClientAsync())
        {
            await client.ExecuteAsync("RPUSH", key, "<key id=\"a\" version=\"1\"><creationDate>2026-01-01T00:00:00Z</creationDate></key>");
            await client.ExecuteAsync("RPUSH", key, "<revocation version=\"1\"><revocationDate>2026-02-01T00:00:00Z</revocationDate></revocation>");
        }

        var elements = new RedisXmlRepository(_connection, key).GetAllElements();

        Assert.Equal(["key", "revocation"], elements.Select(e => e.Name.LocalName));
        Assert.Equal("a", elements.First().Attribute("id")!.Value);
    }

    [Fact]
    public async Task GetAllElements_OneItemNotXml_SkipsItLogsErrorAndReturnsTheOthers()
    {
        var key = UniqueKey();
        await using (var client = await redis.Server.CreateClientAsync())
        {
            await client.ExecuteAsync("RPUSH", key, "<key id=\"a\" version=\"1\"><creationDate>2026-01-01T00:00:00Z</creationDate></key>");
            await client.ExecuteAsync("RPUSH", key, "secret-looking junk <not xml");
            await client.ExecuteAsync("RPUSH", key, string.Empty);
            await client.ExecuteAsync("RPUSH", key, "<key id=\"b\" version=\"1\"><creationDate>2026-01-02T00:00:00Z</creationDate></key>");
        }

        var logs = new LogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var elements = new RedisXmlRepository(_connection, key, loggerFactory: loggerFactory).GetAllElements();

        Assert.Equal(["a", "b"], elements.Select(e => e.Attribute("id")!.Value));
        var errors = logs.WithEventId(2403);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(LogLevel.Error, e.Level));
        Assert.DoesNotContain(logs.Entries, e => e.Mentions("secret-looking"));
    }

    [Fact]
    public void GetAllElements_MissingList_ReturnsEmpty()
    {
        Assert.Empty(new RedisXmlRepository(_connection, UniqueKey()).GetAllElements());
    }

    [Fact]
    public async Task GetAllElements_KeyHoldsAString_ThrowsNamingTheKey()
    {
        var key = UniqueKey();
        await using (var client = await redis.Server.CreateClientAsync())
        {
            await client.ExecuteAsync("SET", key, "not a list");
        }

        var ex = Assert.Throws<InvalidOperationException>(() => new RedisXmlRepository(_connection, key).GetAllElements());

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Contains("WRONGTYPE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAllElements_RedisUnreachable_ThrowsUnavailableAfterTimeout()
    {
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = $"127.0.0.1:{TestPorts.GetFreeTcpPort()},connectTimeout=200" });
        var repository = new RedisXmlRepository(connection, timeout: TimeSpan.FromMilliseconds(600));

        var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => Task.Run(repository.GetAllElements).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains("read the key ring", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DataProtection-Keys", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAllElements_ReadJustGaveUp_NextReadFailsAtOnceWithTheSameCause()
    {
        // At a cold start with Redis down, Data Protection's callers queue behind its lock: each retrying for the whole
        // timeout made the k-th wait about k timeouts. A read right after one that gave up now fails at once.
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = $"127.0.0.1:{TestPorts.GetFreeTcpPort()},connectTimeout=200" });
        var logs = new LogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        var repository = new RedisXmlRepository(connection, timeout: TimeSpan.FromMilliseconds(600), loggerFactory: loggerFactory) { FailedReadMemory = TimeSpan.FromMinutes(1) };
        var first = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => Task.Run(repository.GetAllElements).WaitAsync(TimeSpan.FromSeconds(10)));
        var retriesOfTheFirst = logs.WithEventId(2402).Count;

        var second = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => Task.Run(repository.GetAllElements).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(retriesOfTheFirst > 0, "the first read should have retried");
        Assert.Equal(retriesOfTheFirst, logs.WithEventId(2402).Count);
        Assert.StartsWith(first.Message, second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreElement_RedisFrozen_ThrowsUnavailableWithinTimeout()
    {
        await using var server = await RedisServer.StartAsync();
        using var connection = new RedisConnection(new HybridCacheKitRedisOptions { Configuration = server.ConfigurationString });
        Assert.Empty(new RedisXmlRepository(connection).GetAllElements()); // connected (default, generous timeout)
        var repository = new RedisXmlRepository(connection, timeout: TimeSpan.FromMilliseconds(500));
        server.Pause();
        try
        {
            var ex = await Assert.ThrowsAsync<RedisCacheUnavailableException>(() => Task.Run(() => repository.StoreElement(new XElement("key"), "k")).WaitAsync(TimeSpan.FromSeconds(10)));

            Assert.Contains("store a new key", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            server.Resume();
        }
    }

    public void Dispose() => _connection.Dispose();

    private static string UniqueKey() => "dp-keys-" + Guid.NewGuid().ToString("N");
}
