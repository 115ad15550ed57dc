using System.Text;
using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

public sealed class EntryFlagsTests
{
    private static HybridCacheEntryOptions With(HybridCacheEntryFlags flags) => new() { Flags = flags };

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCacheRead_L1Only_RunsFactoryAndStoresResult()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "old");
        var factory = new CountingFactory<string>(n => $"v{n}");

        var skipped = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead));
        var normal = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", skipped);
        Assert.Equal("v1", normal);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCacheRead_WithL2_ReadsL2NotL1()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "in L1");
        await host.CreateSibling().SetAsync(key, "in L2");
        var factory = new CountingFactory<string>("factory");

        var normal = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var skipped = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead));

        Assert.Equal("in L1", normal);
        Assert.Equal("in L2", skipped);
        Assert.Equal(0, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCacheWrite_L1Only_NothingKept()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheWrite));
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", first);
        Assert.Equal("v2", second);
        Assert.Equal(2, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCacheWrite_WithL2_StoredInL2Only()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");

        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheWrite));
        Assert.NotNull(host.RawL2(key));
        await host.CreateSibling().SetAsync(key, "replaced in L2");
        var next = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("replaced in L2", next);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_DisableLocalCacheWrite_WithL2_StoredInL2Only()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();

        await host.Cache.SetAsync(key, "v1", With(HybridCacheEntryFlags.DisableLocalCacheWrite));
        var inL1 = await host.Cache.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableDistributedCacheRead));
        var inL2 = await host.Cache.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableLocalCacheRead));

        Assert.False(inL1.Found);
        Assert.Equal("v1", inL2.Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableDistributedCacheRead_IgnoresL2Value()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.CreateSibling().SetAsync(key, "in L2");
        var factory = new CountingFactory<string>("factory");

        var value = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableDistributedCacheRead));

        Assert.Equal("factory", value);
        Assert.Equal(1, factory.Calls);
        Assert.Equal("factory", (await host.CreateSibling().TryGetAsync<string>(key)).Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableDistributedCacheWrite_RawL2Untouched()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableDistributedCacheWrite));
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Null(host.RawL2(key));
        Assert.Equal("v1", first);
        Assert.Equal("v1", second);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_DisableDistributedCacheWrite_RawL2Untouched()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();

        await host.Cache.SetAsync(key, "local", With(HybridCacheEntryFlags.DisableDistributedCacheWrite));

        Assert.Null(host.RawL2(key));
        Assert.Equal("local", (await host.Cache.TryGetAsync<string>(key)).Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCache_UsesL2Only()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var sibling = host.CreateSibling();
        var factory = new CountingFactory<string>(n => $"v{n}");
        var noLocal = With(HybridCacheEntryFlags.DisableLocalCache);

        var created = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, noLocal);
        await sibling.SetAsync(key, "replaced");
        var reread = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, noLocal);
        await host.Cache.RemoveAsync(key);
        var recreated = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, noLocal);

        Assert.Equal("v1", created);
        Assert.Equal("replaced", reread);
        Assert.Equal("v2", recreated);
        Assert.Equal(2, factory.Calls);
        Assert.False((await host.Cache.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableDistributedCacheRead))).Found);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCache_L1Only_FactoryEveryCall()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<int>(n => n);

        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCache));
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCache));

        Assert.Equal(2, second);
        Assert.Equal(2, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableDistributedCache_NeitherReadsNorWritesL2()
    {
        await using var host = CacheHost.CreateWithL2();
        var (existing, created) = (Keys.New("existing"), Keys.New("created"));
        await host.CreateSibling().SetAsync(existing, "in L2");
        var factory = new CountingFactory<string>(n => $"v{n}");
        var noL2 = With(HybridCacheEntryFlags.DisableDistributedCache);

        var ignored = await host.Cache.GetOrCreateAsync(existing, factory.InvokeAsync, noL2);
        var local = await host.Cache.GetOrCreateAsync(created, factory.InvokeAsync, noL2);
        var localAgain = await host.Cache.GetOrCreateAsync(created, factory.InvokeAsync, noL2);

        Assert.Equal("v1", ignored);
        Assert.Equal("v2", local);
        Assert.Equal("v2", localAgain);
        Assert.Equal(2, factory.Calls);
        Assert.Null(host.RawL2(created));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_DisableUnderlyingDataOnMiss_ReturnsDefaultWithoutFactory(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var (intKey, stringKey) = (Keys.New("int"), Keys.New("string"));
        var ints = new CountingFactory<int>(42);
        var strings = new CountingFactory<string>("factory");
        var options = With(HybridCacheEntryFlags.DisableUnderlyingData);

        var number = await host.Cache.GetOrCreateAsync(intKey, ints.InvokeAsync, options);
        var text = await host.Cache.GetOrCreateAsync(stringKey, strings.InvokeAsync, options);
        var afterwards = await host.Cache.GetOrCreateAsync(intKey, ints.InvokeAsync);

        Assert.Equal(0, number);
        Assert.Null(text);
        Assert.Equal(0, strings.Calls);
        Assert.Equal(42, afterwards);
        Assert.Equal(1, ints.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_DisableUnderlyingDataOnHit_ReturnsCachedValue(bool fromL2)
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "cached");
        var reader = fromL2 ? host.CreateSibling() : host.Cache;
        var factory = new CountingFactory<string>("factory");

        var value = await reader.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableUnderlyingData));

        Assert.Equal("cached", value);
        Assert.Equal(0, factory.Calls);
    }

    [Theory]
    [InlineData(HybridCacheEntryFlags.None, true)]
    [InlineData(HybridCacheEntryFlags.DisableCompression, false)]
    public async Task SetAsync_DisableCompression_StoresPayloadUncompressed(HybridCacheEntryFlags flags, bool expectCompressed)
    {
        await using var host = CacheHost.CreateWithL2(o => o.EnableCompression = true);
        var key = Keys.New();
        var value = string.Concat(Enumerable.Repeat("compressible ", 1000));

        await host.Cache.SetAsync(key, value, With(flags));
        var raw = host.RawL2(key);
        var readBack = await host.CreateSibling().GetOrCreateAsync(key, new CountingFactory<string>("factory").InvokeAsync);

        Assert.NotNull(raw);
        Assert.Equal(expectCompressed, (raw[4] & 1) != 0);
        Assert.Equal(expectCompressed, raw.Length < Encoding.UTF8.GetByteCount(value));
        Assert.Equal(value, readBack);
    }

    [Fact]
    public async Task GetOrCreateAsync_DefaultEntryOptionsFlags_ApplyWhenCallHasNone()
    {
        await using var host = CacheHost.CreateWithL2(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheWrite });
        var key = Keys.New();

        await host.Cache.GetOrCreateAsync(key, new CountingFactory<string>("v").InvokeAsync);

        Assert.Null(host.RawL2(key));
    }

    [Fact]
    public async Task GetOrCreateAsync_CallFlags_ReplaceDefaultFlags()
    {
        await using var host = CacheHost.CreateWithL2(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheWrite });
        var key = Keys.New();

        await host.Cache.GetOrCreateAsync(key, new CountingFactory<string>("v").InvokeAsync, With(HybridCacheEntryFlags.None));

        Assert.NotNull(host.RawL2(key));
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCacheWrite_DoesNotEvictExistingL1Entry()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "kept");
        var factory = new CountingFactory<string>("factory");

        var value = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheWrite));

        Assert.Equal("kept", value);
        Assert.Equal(0, factory.Calls);
    }
}
