using HybridCacheKit.TestUtilities.Time;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

/// <summary>
/// The framework may serve an output-cache entry for its validFor and not longer. The engine's ExpirationJitter adds a
/// random extra life to every entry; before the store opted out, an app with a one-hour jitter served 10-second entries
/// for up to an hour and ten seconds.
/// </summary>
public sealed class OutputCacheExpiryTests
{
    private const int Entries = 50;
    private static readonly TimeSpan s_validFor = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SetAsync_EngineHasExpirationJitter_EveryEntryExpiresExactlyAfterValidFor()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddHybridCacheKit(o => o.ExpirationJitter = TimeSpan.FromHours(1)).AddOutputCacheStore();
        services.AddOutputCache();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IOutputCacheStore>();
        for (var i = 0; i < Entries; i++)
        {
            await store.SetAsync("page-" + i, [(byte)i], tags: null, s_validFor, default);
        }

        time.Advance(s_validFor - TimeSpan.FromMilliseconds(1));
        Assert.Equal(Entries, await CountAsync(store));

        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(0, await CountAsync(store));
    }

    private static async Task<int> CountAsync(IOutputCacheStore store)
    {
        var found = 0;
        for (var i = 0; i < Entries; i++)
        {
            if (await store.GetAsync("page-" + i, default) is { } bytes)
            {
                Assert.Equal([(byte)i], bytes);
                found++;
            }
        }

        return found;
    }
}
