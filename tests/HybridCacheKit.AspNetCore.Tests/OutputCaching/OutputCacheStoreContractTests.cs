using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using HybridCacheKit.AspNetCore.OutputCaching;
using HybridCacheKit.TestUtilities.Logging;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

/// <summary>
/// The store's contract (<see cref="IOutputCacheStore"/> and <see cref="IOutputCacheBufferStore"/>), rerun for each
/// engine set-up: derive, and register the engine's L2 in <see cref="AddEngine"/>. MaximumPayloadBytes is 1,000.
/// </summary>
public abstract class OutputCacheStoreContractTests : IAsyncDisposable
{
    private static readonly TimeSpan s_minute = TimeSpan.FromMinutes(1);
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ServiceProvider _services;

    protected OutputCacheStoreContractTests()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        AddEngine(services.AddHybridCacheKit(o => o.MaximumPayloadBytes = 1000)).AddOutputCacheStore();
        services.AddOutputCache();
        _services = services.BuildServiceProvider();
        WaitUntilReady(_services);
    }

    /// <summary>Completes the engine's registration (for example with an L2) and returns the builder.</summary>
    protected abstract IHybridCacheKitBuilder AddEngine(IHybridCacheKitBuilder builder);

    /// <summary>Waits until the engine is in its steady state (for example its backplane connected).</summary>
    protected virtual void WaitUntilReady(IServiceProvider services)
    {
    }

    private IOutputCacheBufferStore Store => (IOutputCacheBufferStore)_services.GetRequiredService<IOutputCacheStore>();

    private HybridCache Cache => _services.GetRequiredService<HybridCache>();

    [Fact]
    public async Task GetAsync_AfterSet_ReturnsStoredBytes()
    {
        await Store.SetAsync("k", "hello"u8.ToArray(), null, s_minute, default);

        Assert.Equal("hello"u8.ToArray(), await Store.GetAsync("k", default));
    }

    [Fact]
    public async Task GetAsync_L1Hit_ReturnsTheStoredArrayWithoutCopying()
    {
        var bytes = "payload"u8.ToArray();
        await Store.SetAsync("k", bytes, null, s_minute, default);

        var first = await Store.GetAsync("k", default);
        var second = await Store.GetAsync("k", default);

        Assert.Same(bytes, first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
        => Assert.Null(await Store.GetAsync("absent", default));

    [Fact]
    public async Task SetAsync_MultiSegmentSequence_StoredWhole()
    {
        var first = new Segment("abc"u8.ToArray());
        var last = first.Append("defg"u8.ToArray());
        await Store.SetAsync("k", new ReadOnlySequence<byte>(first, 0, last, 4), ReadOnlyMemory<string>.Empty, s_minute, default);

        Assert.Equal("abcdefg", Encoding.ASCII.GetString((await Store.GetAsync("k", default))!));
    }

    [Fact]
    public async Task TryGetAsync_Hit_WritesBytesIntoPipe()
    {
        await Store.SetAsync("k", "piped"u8.ToArray(), null, s_minute, default);
        var pipe = new Pipe();

        var found = await Store.TryGetAsync("k", pipe.Writer, default);
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAsync();

        Assert.True(found);
        Assert.Equal("piped", Encoding.ASCII.GetString(read.Buffer.ToArray()));
    }

    [Fact]
    public async Task TryGetAsync_Miss_WritesNothing()
    {
        var pipe = new Pipe();

        var found = await Store.TryGetAsync("absent", pipe.Writer, default);

        Assert.False(found);
        Assert.Equal(0, pipe.Writer.UnflushedBytes);
    }

    [Fact]
    public async Task SetAsync_ZeroDuration_StoresNothing()
    {
        await Store.SetAsync("k", "x"u8.ToArray(), null, TimeSpan.Zero, default);

        Assert.Null(await Store.GetAsync("k", default));
    }

    [Fact]
    public async Task SetAsync_AboveMaximumPayloadBytes_NotStoredOlderEntryRemovedAndLoggedWithoutKey()
    {
        await Store.SetAsync("secret-key", new byte[10], null, s_minute, default);

        await Store.SetAsync("secret-key", new byte[1001], null, s_minute, default);

        Assert.Null(await Store.GetAsync("secret-key", default));
        var log = Assert.Single(_logs.WithEventId(3301));
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.DoesNotContain("secret-key", log.FullText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAsync_ExactlyMaximumPayloadBytes_Stored()
    {
        await Store.SetAsync("k", new byte[1000], null, s_minute, default);

        Assert.Equal(1000, (await Store.GetAsync("k", default))!.Length);
    }

    [Fact]
    public async Task EvictByTagAsync_RemovesOnlyTaggedEntries()
    {
        await Store.SetAsync("a", "1"u8.ToArray(), ["t1"], s_minute, default);
        await Store.SetAsync("b", new ReadOnlySequence<byte>("2"u8.ToArray()), new[] { "t2" }, s_minute, default);

        await Store.EvictByTagAsync("t1", default);

        Assert.Null(await Store.GetAsync("a", default));
        Assert.NotNull(await Store.GetAsync("b", default));
    }

    [Fact]
    public async Task EvictByTagAsync_HostileTagNames_WorkAndStayApart()
    {
        await Store.SetAsync("star", "1"u8.ToArray(), ["*"], s_minute, default);
        await Store.SetAsync("ctl", "2"u8.ToArray(), ["a\u001eb"], s_minute, default);
        await Store.SetAsync("lookalike", "3"u8.ToArray(), ["a%1Eb"], s_minute, default);

        await Store.EvictByTagAsync("a\u001eb", default);

        Assert.NotNull(await Store.GetAsync("star", default));
        Assert.Null(await Store.GetAsync("ctl", default));
        Assert.NotNull(await Store.GetAsync("lookalike", default));

        // "*" is an ordinary output-cache tag here, not the engine's "everything".
        await Store.EvictByTagAsync("*", default);
        Assert.Null(await Store.GetAsync("star", default));
        Assert.NotNull(await Store.GetAsync("lookalike", default));
    }

    [Fact]
    public async Task Tags_ApplicationAndOutputCache_DoNotEvictEachOther()
    {
        await Store.SetAsync("page", "p"u8.ToArray(), ["products"], s_minute, default);
        await Cache.SetAsync("products:all", "app value", tags: ["products"]);

        await Cache.RemoveByTagAsync("products");
        Assert.NotNull(await Store.GetAsync("page", default));

        await Cache.SetAsync("products:all", "app value", tags: ["products"]);
        await Store.EvictByTagAsync("products", default);
        Assert.True((await Cache.TryGetAsync<string>("products:all")).Found);
        Assert.Null(await Store.GetAsync("page", default));
    }

    [Fact]
    public async Task Methods_CancelledToken_ThrowOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.GetAsync("k", cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.SetAsync("k", "x"u8.ToArray(), null, s_minute, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.EvictByTagAsync("t", cts.Token));
        Assert.Null(await Store.GetAsync("k", default));
    }

    [Fact]
    public async Task Methods_NullArguments_ThrowArgumentNull()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.GetAsync(null!, default));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.SetAsync("k", null!, null, s_minute, default));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.EvictByTagAsync(null!, default));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TryGetAsync("k", null!, default));
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}

/// <summary>The contract on an engine without L2 (L1 only).</summary>
public sealed class L1OnlyOutputCacheStoreTests : OutputCacheStoreContractTests
{
    protected override IHybridCacheKitBuilder AddEngine(IHybridCacheKitBuilder builder) => builder;
}

/// <summary>The contract on an engine with Redis as L2 (backplane included).</summary>
[Collection(HybridCacheKit.TestUtilities.Redis.RedisServerFixture.CollectionName)]
public sealed class RedisOutputCacheStoreTests(HybridCacheKit.TestUtilities.Redis.RedisServerFixture redis) : OutputCacheStoreContractTests
{
    protected override IHybridCacheKitBuilder AddEngine(IHybridCacheKitBuilder builder) => builder.AddStackExchangeRedis(o =>
    {
        o.Configuration = redis.ConfigurationString;
        o.InstanceName = "ocs-" + Guid.NewGuid().ToString("N") + ":";
        o.OperationTimeout = TimeSpan.FromSeconds(5);
    });

    // Until the backplane has connected, the engine revalidates L1 entries against L2 (its connect moves the L1
    // epoch), which would make the first hit an L2 read instead of the L1 hit some tests are about.
    protected override void WaitUntilReady(IServiceProvider services)
    {
        _ = services.GetRequiredService<HybridCache>();
        var backplane = services.GetRequiredService<HybridCacheKit.Distributed.IHybridCacheBackplane>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!backplane.IsConnected)
        {
            Assert.True(DateTime.UtcNow < deadline, "the backplane did not connect within 15 s");
            Thread.Sleep(10);
        }
    }
}
