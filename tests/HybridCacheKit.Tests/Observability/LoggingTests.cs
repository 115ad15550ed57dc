using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Observability;

public sealed class LoggingTests
{
    private const int KeyRejectedEvent = 1001;
    private const int L2FailedEvent = 1003;
    private const int FailSafeServedStaleEvent = 1007;
    private const string Secret = "alice@example.com";
    private const string SensitiveKey = "tenant:acme/user:" + Secret;
    private static readonly HybridCacheEntryOptions s_tenSeconds = new() { Expiration = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Logs_KeysExcludedByDefault_NoMessageContainsTheKey()
    {
        var time = new FakeTimeProvider();
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache(time), time);
        l2.Mode = ChaosMode.Throw;
        using var sut = CacheUnderTest.Create(o => o.EnableFailSafe = true, time, l2);

        // Three paths that log a key: an L2 failure, fail-safe serving a stale value, and a rejected (hostile) key.
        await sut.Cache.GetOrCreateAsync(SensitiveKey, _ => ValueTask.FromResult("v"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));
        await sut.Cache.GetOrCreateAsync<string>(SensitiveKey, _ => throw new InvalidDataException("down"), s_tenSeconds);
        await sut.Cache.GetOrCreateAsync(Secret + "\r\n[FAKE] admin logged in", _ => ValueTask.FromResult("v"));

        Assert.NotEmpty(sut.Logs.WithEventId(L2FailedEvent));
        Assert.NotEmpty(sut.Logs.WithEventId(FailSafeServedStaleEvent));
        Assert.NotEmpty(sut.Logs.WithEventId(KeyRejectedEvent));
        Assert.All(sut.Logs.Entries, e => Assert.False(e.Mentions(Secret), $"event {e.EventId.Id} leaked the key: {e.Message}"));
        Assert.All(sut.Logs.WithEventId(L2FailedEvent), e => Assert.Contains("[redacted]", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_IncludeKeysInLogs_L2FailureLogsNameTheKey()
    {
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache());
        l2.Mode = ChaosMode.Throw;
        using var sut = CacheUnderTest.Create(o => o.IncludeKeysInLogs = true, l2: l2);

        await sut.Cache.GetOrCreateAsync(SensitiveKey, _ => ValueTask.FromResult("v"));

        var failures = sut.Logs.WithEventId(L2FailedEvent);
        Assert.NotEmpty(failures);
        Assert.All(failures, e => Assert.Contains(SensitiveKey, e.Message, StringComparison.Ordinal));
    }
}
