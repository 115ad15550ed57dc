using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.Tests.Core;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Refresh;

public sealed class ExpirationJitterTests
{
    private const int Entries = 200;

    [Fact]
    public async Task GetOrCreateAsync_WithExpirationJitter_EntriesExpireAtDifferentTimesWithinTheJitterWindow()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.ExpirationJitter = TimeSpan.FromSeconds(10), time);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < Entries; i++)
        {
            var value = i;
            await sut.Cache.GetOrCreateAsync($"key-{i}", _ => ValueTask.FromResult(value), options);
        }

        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(Entries, await CountSurvivorsAsync(sut));

        time.Advance(TimeSpan.FromSeconds(2.5));
        var early = await CountSurvivorsAsync(sut);
        time.Advance(TimeSpan.FromSeconds(5));
        var late = await CountSurvivorsAsync(sut);
        Assert.InRange(early, 1, Entries - 1);
        Assert.InRange(late, 1, Entries - 1);
        Assert.True(late < early, $"expected fewer entries at 17.5 s ({late}) than at 12.5 s ({early})");

        time.Advance(TimeSpan.FromSeconds(2.5) + TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await CountSurvivorsAsync(sut));
    }

    [Fact]
    public async Task SetExactAsync_WithExpirationJitter_EveryEntryExpiresExactlyAtItsExpiration()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.ExpirationJitter = TimeSpan.FromHours(1), time);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < Entries; i++)
        {
            await sut.Cache.SetExactAsync($"key-{i}", i, options);
        }

        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(Entries, await CountSurvivorsAsync(sut));

        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(0, await CountSurvivorsAsync(sut));
    }

    [Fact]
    public async Task SetAsync_WithExpirationJitter_EntriesOutliveTheirExpiration()
    {
        // The contrast to SetExactAsync: plain SetAsync takes the jitter (200 entries, a one-hour window).
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(o => o.ExpirationJitter = TimeSpan.FromHours(1), time);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < Entries; i++)
        {
            await sut.Cache.SetAsync($"key-{i}", i, options);
        }

        time.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(1));
        Assert.InRange(await CountSurvivorsAsync(sut), Entries - 5, Entries);
    }

    [Fact]
    public async Task SetExactAsync_NotHybridCacheKitsCache_ThrowsNamingTheRegistration()
    {
        var ex = await Assert.ThrowsAsync<NotSupportedException>(
            async () => await new ForeignHybridCache().SetExactAsync("key", 1));

        Assert.Contains("AddHybridCacheKit", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<int> CountSurvivorsAsync(CacheUnderTest sut)
    {
        var found = 0;
        for (var i = 0; i < Entries; i++)
        {
            if ((await sut.Cache.TryGetAsync<int>($"key-{i}")).Found)
            {
                found++;
            }
        }

        return found;
    }
}
