using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Core;

public sealed class PlainL2FormatTests
{
    private static readonly HybridCacheEntryOptions s_l2Only = new() { Flags = HybridCacheEntryFlags.DisableLocalCacheRead };

    [Fact]
    public async Task SetAsync_PlainFormat_StoresTheSerializedValueAlone()
    {
        var (cache, l2) = Create();

        await cache.SetAsync("k", new Point(3, 4), new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) });

        Assert.Equal("""{"X":3,"Y":4}""", Encoding.UTF8.GetString(l2.Get("k")!));
    }

    [Fact]
    public async Task GetOrCreateAsync_PlainFormat_ReadsValueWrittenByAnotherService()
    {
        var (cache, l2) = Create();
        l2.Set("k", JsonSerializer.SerializeToUtf8Bytes(new Point(7, 8)), new DistributedCacheEntryOptions());

        var runs = 0;
        var point = await cache.GetOrCreateAsync("k", _ => { runs++; return ValueTask.FromResult(new Point(0, 0)); }, s_l2Only);

        Assert.Equal(new Point(7, 8), point);
        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task GetOrCreateAsync_PlainFormatWithBytesTheSerializerRejects_IsAMissAndOverwritesThem()
    {
        var (cache, l2) = Create();
        l2.Set("k", [0xff, 0x00, 0x13], new DistributedCacheEntryOptions());

        var point = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(new Point(1, 2)), s_l2Only);

        Assert.Equal(new Point(1, 2), point);
        Assert.Equal("""{"X":1,"Y":2}""", Encoding.UTF8.GetString(l2.Get("k")!));
    }

    [Fact]
    public async Task GetOrCreateAsync_PlainFormat_IgnoresCompression()
    {
        var (cache, l2) = Create(o => { o.EnableCompression = true; o.CompressionThresholdBytes = 0; });
        var text = new string('a', 4096);

        await cache.SetAsync("k", text);

        Assert.Equal(text, Encoding.UTF8.GetString(l2.Get("k")!)); // the built-in string serializer writes plain UTF-8
    }

    private static (HybridCache Cache, IDistributedCache L2) Create(Action<HybridCacheKitOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddHybridCacheKit(o =>
        {
            o.L2Format = HybridCacheL2Format.Plain;
            configure?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<HybridCache>(), provider.GetRequiredService<IDistributedCache>());
    }

    public sealed record Point(int X, int Y);
}
