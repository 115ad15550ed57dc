using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Refresh;

public sealed class EagerRefreshTests
{
    private const int BackgroundRefreshFailedEvent = 1010;
    private static readonly HybridCacheEntryOptions s_oneMinute = new() { Expiration = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task GetOrCreateAsync_HitsJustBeforeExpiryWithBetaOne_RefreshesOnceInBackgroundWhileServingOldValue()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.EagerRefreshBeta = 1, time);
        await PopulateWithOneSecondFactoryAsync(sut, time);
        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(10));
        var refresh = new GatedFactory<string>();

        HitSynchronously(sut, refresh, times: 50, expected: "v1");
        await refresh.Started.WaitAsync(Eventually.Limit);
        HitSynchronously(sut, refresh, times: 50, expected: "v1");

        Assert.Equal(1, refresh.Calls);
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.EagerRefreshes));
        refresh.Release("v2");
        await Eventually.HoldsAsync(
            async () => (await sut.Cache.TryGetAsync<string>("key")).Value == "v2",
            "the refreshed value to replace the old one");
        Assert.Equal("v2", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("unexpected"), s_oneMinute));
        Assert.Equal(1, refresh.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_BackgroundRefreshFails_KeepsServingCurrentValueUntilExpiryAndLogs()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.EagerRefreshBeta = 1, time);
        await PopulateWithOneSecondFactoryAsync(sut, time);
        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(10));
        var refresh = new GatedFactory<string>();

        HitSynchronously(sut, refresh, times: 50, expected: "v1");
        await refresh.Started.WaitAsync(Eventually.Limit);
        refresh.Fail(new InvalidDataException("refresh failed"));
        await Eventually.HoldsAsync(() => sut.Logs.WithEventId(BackgroundRefreshFailedEvent).Count > 0, "the failed refresh to be logged");
        HitSynchronously(sut, refresh, times: 50, expected: "v1");

        // Those hits may have started further refreshes (failing at once); a caller would join one still running.
        await Eventually.HoldsAsync(
            () => sut.Logs.WithEventId(BackgroundRefreshFailedEvent).Count == (int)sut.Metrics.Sum(HybridCacheKitDiagnostics.EagerRefreshes),
            "every started refresh to have failed");
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal("v2", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("v2"), s_oneMinute));
    }

    [Fact]
    public async Task GetOrCreateAsync_HitsFarFromExpiry_DoesNotRefresh()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.EagerRefreshBeta = 1, time);
        await PopulateWithOneSecondFactoryAsync(sut, time);

        // The factory took 1 s, so with beta 1 a refresh is considered only within about 10 s of expiry.
        time.Advance(TimeSpan.FromSeconds(40));
        var refresh = new GatedFactory<string>();
        HitSynchronously(sut, refresh, times: 200, expected: "v1");

        Assert.Equal(0, refresh.Calls);
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.EagerRefreshes));
    }

    [Fact]
    public async Task GetOrCreateAsync_BetaZeroJustBeforeExpiry_NeverRefreshes()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.EagerRefreshBeta = 0, time);
        await PopulateWithOneSecondFactoryAsync(sut, time);
        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1));
        var refresh = new GatedFactory<string>();

        HitSynchronously(sut, refresh, times: 200, expected: "v1");

        Assert.Equal(0, refresh.Calls);
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.EagerRefreshes));
    }

    /// <summary>Stores "v1" through a factory that takes one (fake) second, which becomes eager refresh's delta.</summary>
    private static async Task PopulateWithOneSecondFactoryAsync(CacheUnderTest sut, FakeTimeProvider time)
    {
        var value = await sut.Cache.GetOrCreateAsync(
            "key",
            _ =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return ValueTask.FromResult("v1");
            },
            s_oneMinute);
        Assert.Equal("v1", value);
    }

    /// <summary>Each hit must be answered at once from L1: a refresh never makes a caller wait.</summary>
    private static void HitSynchronously(CacheUnderTest sut, GatedFactory<string> factory, int times, string expected)
    {
        for (var i = 0; i < times; i++)
        {
            var pending = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, s_oneMinute).AsTask();
            Assert.True(pending.IsCompletedSuccessfully, "an L1 hit should complete synchronously");
            Assert.Equal(expected, pending.Result);
        }
    }
}
