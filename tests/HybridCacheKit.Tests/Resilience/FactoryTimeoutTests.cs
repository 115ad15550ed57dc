using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Resilience;

public sealed class FactoryTimeoutTests
{
    private const int HardTimeoutEvent = 1008;
    private const int SoftTimeoutEvent = 1009;
    private static readonly HybridCacheEntryOptions s_tenSeconds = new() { Expiration = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task GetOrCreateAsync_SoftTimeoutWithStaleValue_ServesStaleThenTheBackgroundResult()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(
            o =>
            {
                o.EnableFailSafe = true;
                o.FactorySoftTimeout = TimeSpan.FromSeconds(1);
            },
            time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("stale"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));
        var factory = new GatedFactory<string>();

        var call = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, s_tenSeconds).AsTask();
        await factory.Started.WaitAsync(Eventually.Limit);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("stale", await call.WaitAsync(Eventually.Limit));
        Assert.Single(sut.Logs.WithEventId(SoftTimeoutEvent));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.StaleServed));
        Assert.False(factory.Token.IsCancellationRequested);

        factory.Release("fresh");
        await Eventually.HoldsAsync(
            async () => (await sut.Cache.TryGetAsync<string>("key")).Value == "fresh",
            "the background factory result to replace the stale entry");
        Assert.Equal("fresh", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("unexpected"), s_tenSeconds));
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_SoftTimeoutWithoutStaleValue_WaitsForFactory()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(
            o =>
            {
                o.EnableFailSafe = true;
                o.FactorySoftTimeout = TimeSpan.FromSeconds(1);
            },
            time);
        var factory = new GatedFactory<string>();

        var call = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, s_tenSeconds).AsTask();
        await factory.Started.WaitAsync(Eventually.Limit);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.NotSame(call, await Task.WhenAny(call, Task.Delay(100)));
        factory.Release("fresh");
        Assert.Equal("fresh", await call.WaitAsync(Eventually.Limit));
        Assert.Empty(sut.Logs.WithEventId(SoftTimeoutEvent));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryExceedsHardTimeout_CancelsFactoryAndThrowsTimeout()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.FactoryHardTimeout = TimeSpan.FromSeconds(2), time);
        var factory = new GatedFactory<string>();

        var call = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, s_tenSeconds).AsTask();
        await factory.Started.WaitAsync(Eventually.Limit);
        time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.False(factory.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromTicks(1));

        await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(Eventually.Limit));
        await factory.TokenCancelled.WaitAsync(Eventually.Limit);
        Assert.Single(sut.Logs.WithEventId(HardTimeoutEvent));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.FactoryErrors));
    }

    [Fact]
    public async Task GetOrCreateAsync_HardTimeoutWithFailSafeAndStaleValue_CancelsFactoryAndServesStale()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(
            o =>
            {
                o.EnableFailSafe = true;
                o.FactoryHardTimeout = TimeSpan.FromSeconds(2);
            },
            time);
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("stale"), s_tenSeconds);
        time.Advance(TimeSpan.FromSeconds(11));
        var factory = new GatedFactory<string>();

        var call = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, s_tenSeconds).AsTask();
        await factory.Started.WaitAsync(Eventually.Limit);
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("stale", await call.WaitAsync(Eventually.Limit));
        await factory.TokenCancelled.WaitAsync(Eventually.Limit);
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.StaleServed));
    }
}
