using System.Buffers;
using HybridCacheKit.Distributed;
using HybridCacheKit.Tests.Core;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.L2;

/// <summary>
/// The engine's side of <see cref="IHybridCacheDistributedCacheAnnouncements"/>: when the L2 says it sent the backplane
/// message with its write, the engine does not publish it again; whenever the L2 did not (declined, failed, or cannot
/// announce for this backplane), the engine publishes it through the backplane, so no change goes unannounced.
/// The Redis implementation is tested against a real server in the Redis test project (AnnouncedWriteTests there).
/// </summary>
public sealed class AnnouncedWriteTests
{
    /// <summary>Each way the L2 can answer, with how many times the engine must then publish the message itself.</summary>
    public static TheoryData<AnnounceMode, int> Modes => new()
    {
        { AnnounceMode.Announce, 0 },
        { AnnounceMode.WriteOnly, 1 },
        { AnnounceMode.Throw, 1 },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task SetAsync_AnnouncesWithTheWriteOrPublishes(AnnounceMode mode, int published)
    {
        var (host, l2, backplane) = Create(mode);
        await using var _ = host;

        await host.Cache.SetAsync("k", "v");

        // Whatever the L2 did, the caller got no error, the value is served, and the change was announced exactly once.
        AssertAnnouncedOnce(l2, backplane, ("set", HybridCacheBackplaneMessageKind.KeyChanged, "k"), published);
        Assert.Equal(mode != AnnounceMode.Throw, l2.Get("k") is not null);
        Assert.Equal("v", await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory")));
    }

    [Fact]
    public async Task SetAsync_L2CannotAnnounceForThisBackplane_PlainWriteThenPublish()
    {
        var (host, l2, backplane) = Create(AnnounceMode.Announce, acceptsBackplane: false);
        await using var _ = host;

        await host.Cache.SetAsync("k", "v");

        Assert.Empty(l2.Announced);
        Assert.Single(backplane.Published);
        Assert.NotNull(l2.Get("k"));
    }

    [Fact]
    public async Task SetAsync_DistributedWriteDisabled_NoL2CallAndTheEnginePublishes()
    {
        var (host, l2, backplane) = Create(AnnounceMode.Announce);
        await using var _ = host;

        await host.Cache.SetAsync("k", "v", new() { Flags = Microsoft.Extensions.Caching.Hybrid.HybridCacheEntryFlags.DisableDistributedCacheWrite });

        Assert.Empty(l2.Announced);
        Assert.Single(backplane.Published);
        Assert.Null(l2.Get("k"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task RemoveAsync_AnnouncesWithTheRemovalOrPublishes(AnnounceMode mode, int published)
    {
        var (host, l2, backplane) = Create(mode);
        await using var _ = host;
        await host.Cache.SetAsync("k", "v");
        l2.Announced.Clear();
        backplane.Published.Clear();

        await host.Cache.RemoveAsync("k");

        AssertAnnouncedOnce(l2, backplane, ("remove", HybridCacheBackplaneMessageKind.KeyRemoved, "k"), published);
        if (mode != AnnounceMode.Throw)
        {
            Assert.Null(l2.Get("k"));
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task RemoveByTagAsync_RecordAndAnnouncementTogetherOrPublished(AnnounceMode mode, int published)
    {
        var (host, l2, backplane) = Create(mode);
        await using var _ = host;

        await host.Cache.RemoveByTagAsync("t");

        AssertAnnouncedOnce(l2, backplane, ("set", HybridCacheBackplaneMessageKind.TagInvalidated, "t"), published);

        // The tag record is written once: a declined announcement does not write it a second time.
        Assert.Equal(mode == AnnounceMode.Throw ? 0 : 1, l2.PlainWrites + l2.Announced.Count(c => c.Wrote));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryRunStoresWithoutAnnouncing()
    {
        var (host, l2, backplane) = Create(AnnounceMode.Announce);
        await using var _ = host;

        Assert.Equal("v", await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v")));

        Assert.Empty(l2.Announced);
        Assert.Empty(backplane.Published);
        Assert.NotNull(l2.Get("k"));
    }

    /// <summary>The L2 was handed the message once; the backplane published that same message <paramref name="published"/> times.</summary>
    private static void AssertAnnouncedOnce(AnnouncingL2 l2, RecordingBackplane backplane, (string Operation, HybridCacheBackplaneMessageKind Kind, string Subject) expected, int published)
    {
        var call = Assert.Single(l2.Announced);
        Assert.Equal(expected, (call.Operation, call.Message.Kind, call.Message.Subject));
        Assert.Equal(published, backplane.Published.Count);
        Assert.All(backplane.Published, m => Assert.Equal(call.Message, m));
    }

    private static (CacheHost Host, AnnouncingL2 L2, RecordingBackplane Backplane) Create(AnnounceMode mode, bool acceptsBackplane = true)
    {
        var backplane = new RecordingBackplane();
        var l2 = new AnnouncingL2(new FakeTimeProvider(), mode, acceptsBackplane ? backplane : null);
        var host = CacheHost.Create(services: services =>
        {
            services.AddSingleton<IDistributedCache>(l2);
            services.AddSingleton<IHybridCacheBackplane>(backplane);
        });
        return (host, l2, backplane);
    }

    public enum AnnounceMode
    {
        /// <summary>Writes and reports the message sent.</summary>
        Announce,

        /// <summary>Writes and reports the message not sent (as the Redis cache does without scripts).</summary>
        WriteOnly,

        /// <summary>Fails the call without writing.</summary>
        Throw,
    }

    /// <summary>An in-memory L2 that records its announcing calls and answers them as <see cref="AnnounceMode"/> says.</summary>
    private sealed class AnnouncingL2(TimeProvider time, AnnounceMode mode, IHybridCacheBackplane? accepted) : IBufferDistributedCache, IHybridCacheDistributedCacheAnnouncements
    {
        private readonly BufferDistributedCache _inner = new(time);

        public List<(string Operation, HybridCacheBackplaneMessage Message, bool Wrote)> Announced { get; } = [];

        public int PlainWrites { get; private set; }

        public bool CanAnnounceFor(IHybridCacheBackplane backplane) => ReferenceEquals(backplane, accepted);

        public async ValueTask<bool> SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, IHybridCacheBackplane backplane, HybridCacheBackplaneMessage announcement, CancellationToken token)
        {
            Assert.Same(accepted, backplane);
            lock (Announced)
            {
                Announced.Add(("set", announcement, mode != AnnounceMode.Throw));
            }

            if (mode == AnnounceMode.Throw)
            {
                throw new InvalidOperationException("announcing write failed");
            }

            await _inner.SetAsync(key, value, options, token);
            return mode == AnnounceMode.Announce;
        }

        public async ValueTask<bool> RemoveAsync(string key, IHybridCacheBackplane backplane, HybridCacheBackplaneMessage announcement, CancellationToken token)
        {
            Assert.Same(accepted, backplane);
            lock (Announced)
            {
                Announced.Add(("remove", announcement, mode != AnnounceMode.Throw));
            }

            if (mode == AnnounceMode.Throw)
            {
                throw new InvalidOperationException("announcing removal failed");
            }

            await _inner.RemoveAsync(key, token);
            return mode == AnnounceMode.Announce;
        }

        public byte[]? Get(string key) => _inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _inner.GetAsync(key, token);

        public bool TryGet(string key, IBufferWriter<byte> destination) => _inner.TryGet(key, destination);

        public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default) => _inner.TryGetAsync(key, destination, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            PlainWrites++;
            return _inner.SetAsync(key, value, options, token);
        }

        public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).AsTask().GetAwaiter().GetResult();

        public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            PlainWrites++;
            return _inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => _inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

        public void Remove(string key) => _inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);
    }

    /// <summary>Records what the engine publishes; never delivers anything.</summary>
    private sealed class RecordingBackplane : IHybridCacheBackplane
    {
        public List<HybridCacheBackplaneMessage> Published { get; } = [];

        public bool IsConnected => true;

        public void Subscribe(IHybridCacheBackplaneListener listener)
        {
        }

        public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken)
        {
            lock (Published)
            {
                Published.Add(message);
            }

            return ValueTask.FromResult(true);
        }
    }
}
