using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

public sealed class TryGetTests
{
    private static readonly HybridCacheEntryOptions ShortLocal = new() { Expiration = TimeSpan.FromMinutes(5), LocalCacheExpiration = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task TryGetAsync_InL1_Found()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "value");

        var lookup = await host.Cache.TryGetAsync<string>(key);

        Assert.True(lookup.Found);
        Assert.Equal("value", lookup.Value);
        Assert.True(lookup.TryGetValue(out var value));
        Assert.Equal("value", value);
    }

    [Fact]
    public async Task TryGetAsync_OnlyInL2AfterL1CopyExpired_FoundAndCopiedToL1()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "value", ShortLocal);
        host.Time.Advance(TimeSpan.FromMinutes(2));

        var fromL2 = await host.Cache.TryGetAsync<string>(key);
        host.L2!.Remove(key);
        var fromL1 = await host.Cache.TryGetAsync<string>(key);

        Assert.Equal("value", fromL2.Value);
        Assert.True(fromL1.Found);
        Assert.Equal("value", fromL1.Value);
    }

    [Fact]
    public async Task TryGetAsync_WrittenToL2Only_Found()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, 17, new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite });

        var lookup = await host.Cache.TryGetAsync<int>(key);

        Assert.True(lookup.Found);
        Assert.Equal(17, lookup.Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryGetAsync_Missing_NotFoundAndNothingCreated(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();

        var lookup = await host.Cache.TryGetAsync<int>(key);

        Assert.False(lookup.Found);
        Assert.Equal(0, lookup.Value);
        Assert.False(lookup.TryGetValue(out _));
        Assert.Equal(5, await host.Cache.GetOrCreateAsync(key, new CountingFactory<int>(5).InvokeAsync));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryGetAsync_TagInvalidated_NotFound(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "value", tags: ["t"]);

        await host.Cache.RemoveByTagAsync("t");

        Assert.False((await host.Cache.TryGetAsync<string>(key)).Found);
    }

    [Fact]
    public async Task TryGetAsync_TagInvalidatedWhileOnlyInL2_NotFound()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "value", ShortLocal, ["t"]);
        await host.Cache.RemoveByTagAsync("t");
        host.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.False((await host.Cache.TryGetAsync<string>(key)).Found);
        Assert.False((await host.CreateSibling().TryGetAsync<string>(key)).Found);
    }

    [Fact]
    public async Task TryGetAsync_Expired_NotFound()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "value", new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) });

        host.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        Assert.False((await host.Cache.TryGetAsync<string>(key)).Found);
    }

    [Fact]
    public async Task TryGetAsync_DisableDistributedCacheRead_DoesNotReadL2()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.CreateSibling().SetAsync(key, "in L2");

        var skipped = await host.Cache.TryGetAsync<string>(key, new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead });
        var normal = await host.Cache.TryGetAsync<string>(key);

        Assert.False(skipped.Found);
        Assert.Equal("in L2", normal.Value);
    }

    [Fact]
    public async Task TryGetAsync_MutableType_NewInstanceEachTime()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, new MutableWidget { Id = 3 });

        var first = (await host.Cache.TryGetAsync<MutableWidget>(key)).Value!;
        first.Id = 4;
        var second = (await host.Cache.TryGetAsync<MutableWidget>(key)).Value!;

        Assert.NotSame(first, second);
        Assert.Equal(3, second.Id);
    }
}
