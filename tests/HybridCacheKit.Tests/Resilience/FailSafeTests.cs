using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Resilience;

public sealed class FailSafeTests
{
    private const int FailSafeServedStaleEvent = 1007;
    private static readonly HybridCacheEntryOptions s_tenSeconds = new() { Expiration = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task GetOrCreateAsync_FactoryThrowsAfterExpiryWithStaleValue_ServesStaleLogsAndCounts()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.EnableFailSafe = true, time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("stale"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));

        var value = await sut.Cache.GetOrCreateAsync<string>("key", _ => throw new InvalidDataException("backend down"), s_tenSeconds);

        Assert.Equal("stale", value);
        var log = Assert.Single(sut.Logs.WithEventId(FailSafeServedStaleEvent));
        Assert.IsType<InvalidDataException>(log.Exception);
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.StaleServed));
    }

    [Fact]
    public async Task GetOrCreateAsync_StaleServedByFailSafe_FactoryNotRetriedWithinThrottleThenRetriedAfter()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(
            o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeThrottleDuration = TimeSpan.FromSeconds(30);
            },
            time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("stale"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));
        var failures = 0;
        ValueTask<string> Failing(CancellationToken _)
        {
            failures++;
            throw new InvalidDataException("backend down");
        }

        Assert.Equal("stale", await sut.Cache.GetOrCreateAsync("key", Failing, s_tenSeconds));
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("stale", await sut.Cache.GetOrCreateAsync("key", Failing, s_tenSeconds));
        Assert.Equal(1, failures);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("fresh", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_tenSeconds));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryAbandonsItsRunAfterExpiry_NoStaleServedNoThrottleNextCallRunsTheFactory()
    {
        // Abandoning is not failing: the caller the factory worked for went away. Fail-safe must neither answer with the
        // stale value nor throttle the key (which would serve it for FailSafeThrottleDuration).
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(
            o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeThrottleDuration = TimeSpan.FromMinutes(5);
            },
            time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("stale"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));

        var abandoned = await Assert.ThrowsAsync<HybridCacheRunAbandonedException>(
            async () => await sut.Cache.GetOrCreateAsync<string>("key", _ => throw new HybridCacheRunAbandonedException(), s_tenSeconds));

        Assert.IsAssignableFrom<OperationCanceledException>(abandoned);
        Assert.Empty(sut.Logs.WithEventId(FailSafeServedStaleEvent));
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.StaleServed));
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.FactoryErrors));
        Assert.Equal("fresh", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_tenSeconds));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryThrowsAfterExpiryWithoutFailSafe_Throws()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(time: time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("old"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));

        await Assert.ThrowsAsync<InvalidDataException>(
            async () => await sut.Cache.GetOrCreateAsync<string>("key", _ => throw new InvalidDataException("backend down"), s_tenSeconds));
        Assert.Empty(sut.Logs.WithEventId(FailSafeServedStaleEvent));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryThrowsBeyondFailSafeMaxDuration_Throws()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(
            o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeMaxDuration = TimeSpan.FromMinutes(1);
            },
            time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("old"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<InvalidDataException>(
            async () => await sut.Cache.GetOrCreateAsync<string>("key", _ => throw new InvalidDataException("backend down"), s_tenSeconds));
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.StaleServed));
    }

    [Fact]
    public async Task GetOrCreateAsync_StaleValueOnlyInL2_SecondInstanceServesIt()
    {
        var time = new FakeTimeProvider();
        var l2 = new BufferDistributedCache(time);
        using var writer = CacheUnderTest.Create(o => o.EnableFailSafe = true, time, l2);
        await writer.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-l2"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));

        using var reader = CacheUnderTest.Create(o => o.EnableFailSafe = true, time, l2);
        var value = await reader.Cache.GetOrCreateAsync<string>("key", _ => throw new InvalidDataException("backend down"), s_tenSeconds);

        Assert.Equal("from-l2", value);
        Assert.Single(reader.Logs.WithEventId(FailSafeServedStaleEvent));
        Assert.Equal(1, reader.Metrics.Sum(HybridCacheKitDiagnostics.StaleServed));
    }
}
