using HybridCacheKit.StackExchangeRedis.Tests.Resilience;
using HybridCacheKit.TestUtilities.Redis;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Security;

/// <summary>
/// StackExchange.Redis names the command and its key in its exception messages when the multiplexer's
/// IncludeDetailInExceptions is on (2.x's default; an application may hand the package such a multiplexer). The engine
/// logs Redis failures with their exception, so the package must not pass those messages on: with IncludeKeysInLogs off
/// (the default) no key may reach a log, whatever the multiplexer.
/// </summary>
[Collection(ResilienceCollection.Name)]
public sealed class KeysNotInLogsTests
{
    private const string Sentinel = "SENTINEL-customer-4711";

    [Fact]
    public Task RedisKilled_PackagesOwnMultiplexer_NoKeyInAnyLog() => AssertNoKeyLoggedAsync(applicationMultiplexerWithDetails: false);

    [Fact]
    public Task RedisKilled_ApplicationMultiplexerWithIncludeDetailInExceptions_NoKeyInAnyLog() => AssertNoKeyLoggedAsync(applicationMultiplexerWithDetails: true);

    private static async Task AssertNoKeyLoggedAsync(bool applicationMultiplexerWithDetails)
    {
        await using var server = await RedisServer.StartAsync();
        ConnectionMultiplexer? application = null;
        try
        {
            await using var node = CacheNode.Create(server.ConfigurationString, o =>
            {
                o.InstanceName = $"hck-keylog-{Guid.NewGuid():N}:";
                o.CircuitBreakerFailureThreshold = 1000; // keep calling Redis, so every call fails with the client's own exception
                if (applicationMultiplexerWithDetails)
                {
                    o.ConnectionMultiplexerFactory = async () =>
                    {
                        application = await ConnectionMultiplexer.ConnectAsync(server.ConfigurationString + ",abortConnect=false");
                        application.IncludeDetailInExceptions = true;
                        return application;
                    };
                }
            });
            await Eventually.WaitAsync(async () => await node.GetAsync(Sentinel + ":warm") == CacheNode.FactoryValue(Sentinel + ":warm") && node.BackplaneConnected, TimeSpan.FromSeconds(10), "the node did not come up");

            server.Kill();
            for (var i = 0; i < 20; i++)
            {
                var key = $"{Sentinel}:{i}";
                Assert.Equal(CacheNode.FactoryValue(key), await node.GetAsync(key));
                await node.Cache.SetAsync(key, "value");
                await node.Cache.RemoveAsync(key);
            }

            // The failures were logged, with their exceptions: the assertion below looks at real entries.
            var failures = node.Logs.Entries.Where(e => e.Exception is RedisCacheUnavailableException).ToList();
            Assert.NotEmpty(failures);
            Assert.True(node.L2Errors > 0);
            foreach (var entry in node.Logs.Entries)
            {
                Assert.DoesNotContain(Sentinel, entry.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(Sentinel, entry.Exception?.ToString() ?? string.Empty, StringComparison.Ordinal);
            }
        }
        finally
        {
            application?.Dispose();
        }
    }
}
