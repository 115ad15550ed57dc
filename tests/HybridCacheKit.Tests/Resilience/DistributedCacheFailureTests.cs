using System.Buffers;
using System.Diagnostics;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Resilience;

public sealed class DistributedCacheFailureTests
{
    private const int L2FailedEvent = 1003;
    private const int L2TimedOutEvent = 1004;

    [Fact]
    public async Task GetOrCreateAsync_L2ThrowsOnEveryCall_ReturnsFactoryValueLogsAndCounts()
    {
        var time = new FakeTimeProvider();
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache(time), time);
        l2.Mode = ChaosMode.Throw;
        using var sut = CacheUnderTest.Create(time: time, l2: l2);

        var value = await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory"));
        var again = await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("unexpected"));

        Assert.Equal("from-factory", value);
        Assert.Equal("from-factory", again);
        Assert.True(l2.GetCalls >= 1, "the engine should have tried L2");
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors, Operation("get")));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors, Operation("set")));
        Assert.Contains(sut.Logs.WithEventId(L2FailedEvent), e => e.Exception is ChaosException);
    }

    [Fact]
    public async Task GetOrCreateAsync_L2HangsLongerThanTimeout_GivesUpOnL2AndReturnsFactoryValue()
    {
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache());
        l2.Mode = ChaosMode.Delay;
        l2.Delay = TimeSpan.FromSeconds(5);
        l2.IgnoreCancellation = true;
        using var sut = CacheUnderTest.Create(o => o.DistributedCacheTimeout = TimeSpan.FromMilliseconds(100), l2: l2);

        try
        {
            var clock = Stopwatch.StartNew();
            var value = await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("from-factory")).AsTask().WaitAsync(Eventually.Limit);
            clock.Stop();

            Assert.Equal("from-factory", value);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the call waited {clock.Elapsed} for a hung L2 instead of timing out");
            Assert.NotEmpty(sut.Logs.WithEventId(L2TimedOutEvent));
            Assert.True(sut.Metrics.Sum(HybridCacheKitDiagnostics.DistributedErrors) >= 1);
        }
        finally
        {
            l2.ReleaseDelayedCalls();
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_L2DownAndLocalCopyWithinExpiration_ServesLocalCopyWithoutFactory()
    {
        var time = new FakeTimeProvider();
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache(time), time);
        using var sut = CacheUnderTest.Create(time: time, l2: l2);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = TimeSpan.FromMinutes(1) };
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{++runs}");
        Assert.Equal("v1", await sut.Cache.GetOrCreateAsync("key", Factory, options));

        l2.Mode = ChaosMode.Throw;
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("v1", await sut.Cache.GetOrCreateAsync("key", Factory, options));
        Assert.Equal(1, runs);

        time.Advance(TimeSpan.FromMinutes(8));
        Assert.Equal("v2", await sut.Cache.GetOrCreateAsync("key", Factory, options));
    }

    [Fact]
    public async Task GetOrCreateAsync_OnlyTagRecordsUnreadableAndLocalCopyUntrusted_NotServedFactoryRuns()
    {
        // L2 answers, but the tag records cannot be read: whether the entry (and the L1 copy made from it) was
        // invalidated is unknown. Before, the engine served the L1 copy as if L2 were down and trusted it for another
        // LocalCacheExpiration, although here another instance had invalidated its tag.
        var time = new FakeTimeProvider();
        var shared = new BufferDistributedCache(time);
        var l2 = new TagReadFailingCache(shared);
        using var sut = CacheUnderTest.Create(time: time, l2: l2);
        using var other = CacheUnderTest.Create(time: time, l2: shared);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = TimeSpan.FromMinutes(1) };
        Assert.Equal("old", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("old"), options, ["t"]));

        time.Advance(TimeSpan.FromSeconds(1));
        await other.Cache.RemoveByTagAsync("t");
        time.Advance(TimeSpan.FromMinutes(2));
        l2.FailTagReads = true;

        Assert.Equal("new", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("new"), options, ["t"]));
    }

    /// <summary>An L2 whose reads of the engine's tag records fail while <see cref="FailTagReads"/> is set.</summary>
    private sealed class TagReadFailingCache(BufferDistributedCache inner) : ForwardingBufferDistributedCache(inner)
    {
        public volatile bool FailTagReads;

        public override byte[]? Get(string key) => Check(key) ? base.Get(key) : null;

        public override Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Check(key) ? base.GetAsync(key, token) : Task.FromResult<byte[]?>(null);

        public override bool TryGet(string key, IBufferWriter<byte> destination) => Check(key) && base.TryGet(key, destination);

        public override ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
            => Check(key) ? base.TryGetAsync(key, destination, token) : ValueTask.FromResult(false);

        private bool Check(string key)
        {
            if (FailTagReads && key.StartsWith("__hck:tag:", StringComparison.Ordinal))
            {
                throw new ChaosException(DistributedCacheOperations.Get);
            }

            return true;
        }
    }

    private static KeyValuePair<string, object?> Operation(string name) => new(HybridCacheKitDiagnostics.OperationTag, name);
}
