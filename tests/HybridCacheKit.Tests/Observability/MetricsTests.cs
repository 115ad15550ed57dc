using HybridCacheKit.Diagnostics;
using HybridCacheKit.Internal;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;

namespace HybridCacheKit.Tests.Observability;

public sealed class MetricsTests
{
    private static readonly KeyValuePair<string, object?> s_l1 = new(HybridCacheKitDiagnostics.TierTag, "l1");
    private static readonly KeyValuePair<string, object?> s_l2 = new(HybridCacheKitDiagnostics.TierTag, "l2");

    [Fact]
    public async Task GetOrCreateAsync_MissThenHit_CountsOneL1MissAndOneL1Hit()
    {
        using var sut = CacheUnderTest.Create();

        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(1));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.Misses, s_l1));
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l1));

        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(2));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.Misses, s_l1));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l1));
    }

    [Fact]
    public async Task GetOrCreateAsync_SecondInstanceOverSharedL2_CountsL2MissThenL2Hit()
    {
        var l2 = new BufferDistributedCache();
        using var writer = CacheUnderTest.Create(l2: l2);
        using var reader = CacheUnderTest.Create(l2: l2);

        await writer.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("shared"));
        var read = await reader.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("unexpected"));

        Assert.Equal("shared", read);
        Assert.Equal(1, writer.Metrics.Sum(HybridCacheKitDiagnostics.Misses, s_l2));
        Assert.Equal(0, writer.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l2));
        Assert.Equal(1, reader.Metrics.Sum(HybridCacheKitDiagnostics.Hits, s_l2));
        Assert.Equal(0, reader.Metrics.Sum(HybridCacheKitDiagnostics.Misses, s_l2));
        Assert.Equal(1, reader.Metrics.Sum(HybridCacheKitDiagnostics.Misses, s_l1));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryRun_CountsRunAndRecordsDurationInSeconds()
    {
        var time = new FakeTimeProvider();
        using var sut = CacheUnderTest.Create(time: time);

        await sut.Cache.GetOrCreateAsync("key", _ =>
        {
            time.Advance(TimeSpan.FromMilliseconds(1500));
            return ValueTask.FromResult(1);
        });
        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(2));

        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.FactoryRuns));
        var duration = Assert.Single(sut.Metrics.Of(HybridCacheKitDiagnostics.FactoryDuration));
        Assert.Equal("s", duration.Unit);
        Assert.Equal(1.5, duration.Value, precision: 6);
    }

    [Fact]
    public async Task GetOrCreateAsync_SerializedValue_RecordsPayloadSizeInBytes()
    {
        using var sut = CacheUnderTest.Create();
        var payload = new byte[300];

        await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(payload));

        var size = Assert.Single(sut.Metrics.Of(HybridCacheKitDiagnostics.PayloadSize));
        Assert.Equal("By", size.Unit);
        Assert.Equal(300, size.Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_NearlyFullL1WithAnL2_CountsTheValuesAdmissionLeftOut()
    {
        using var sut = CacheUnderTest.Create(o => o.LocalCacheSizeLimitBytes = 16 * 1024, l2: new BufferDistributedCache());

        // ~1 KB values, each key used once: after about 12 KB (80% of the limit) L1 takes in no more of them.
        for (var i = 0; i < 100; i++)
        {
            await sut.Cache.GetOrCreateAsync("k" + i, i, static (v, _) => ValueTask.FromResult(new string('x', 1_000) + v));
        }

        var rejected = sut.Metrics.Sum(HybridCacheKitDiagnostics.L1AdmissionRejections);
        Assert.InRange(rejected, 80, 95);
        Assert.Equal(((DefaultHybridCache)sut.Cache).L1AdmissionRejectionsForTests, rejected);
    }

    [Fact]
    public async Task GetOrCreateAsync_L1WithoutAnL2_NeverCountsAdmissionRejections()
    {
        using var sut = CacheUnderTest.Create(o => o.LocalCacheSizeLimitBytes = 16 * 1024);

        for (var i = 0; i < 100; i++)
        {
            await sut.Cache.GetOrCreateAsync("k" + i, i, static (v, _) => ValueTask.FromResult(new string('x', 1_000) + v));
        }

        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.L1AdmissionRejections));
    }
}
