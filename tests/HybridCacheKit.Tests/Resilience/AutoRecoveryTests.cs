using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.Internal;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Tests.Resilience;

/// <summary>
/// Auto-recovery: a change whose L2 write or backplane message failed is queued and replayed once L2 works again, so
/// that no instance goes on serving the value from before the change. Two engines share one in-memory L2 (which can be
/// made to fail) and an in-memory backplane (which can be made to fail), on one fake clock. The same behaviour against
/// a real redis-server that crashes and restarts from its append-only file is tested in the Redis test project
/// (AutoRecoveryTests there).
/// </summary>
public sealed class AutoRecoveryTests
{
    private const int QueueFullEvent = 1019;
    private const int ReplayedEvent = 1020;
    private const int GivenUpEvent = 1022;
    private static readonly HybridCacheEntryOptions s_long = new() { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) };

    [Fact]
    public async Task SetAsync_L2AndBackplaneDown_ReplayedAsRemovalSoEveryInstanceDropsTheOldValue()
    {
        await using var world = World.Create();
        var (a, b) = (world.A, world.B);
        await a.Cache.SetAsync("k", "v1", s_long);
        Assert.Equal("v1", await ReadAsync(b, "k"));

        world.Outage();
        await a.Cache.SetAsync("k", "v2", s_long);
        Assert.Equal("v2", await ReadAsync(a, "k"));
        Assert.Equal("v1", await ReadAsync(b, "k")); // B cannot know yet: the gap auto-recovery closes
        Assert.Equal(1, a.Engine.PendingChangesForTests);

        world.Recover();
        await world.ReplayAsync(a);

        Assert.Null(world.L2.Inner.Get("k"));
        Assert.Equal("k:factory", await ReadAsync(b, "k"));
        Assert.Equal("k:factory", await ReadAsync(a, "k"));
        var queued = Assert.Single(a.Metrics.Of(HybridCacheKitDiagnostics.RecoveryQueued));
        Assert.True(queued.HasTag(HybridCacheKitDiagnostics.RecoverySubjectTag, "key") && queued.HasTag(HybridCacheKitDiagnostics.RecoveryActionTag, "invalidate"));
        Assert.Equal(1, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed));
        Assert.Single(a.Logs.WithEventId(ReplayedEvent));
    }

    [Fact]
    public async Task SetAsync_OnlyTheMessageFailed_MessageSentAgainAndTheNewValueKept()
    {
        await using var world = World.Create();
        var (a, b) = (world.A, world.B);
        await a.Cache.SetAsync("k", "v1", s_long);
        Assert.Equal("v1", await ReadAsync(b, "k"));

        world.Hub.Failing = true;
        await a.Cache.SetAsync("k", "v2", s_long);
        Assert.Equal("v1", await ReadAsync(b, "k"));

        world.Hub.Failing = false;
        await world.ReplayAsync(a);

        Assert.Equal(0, world.L2.RemoveCalls);
        Assert.Equal("v2", await ReadAsync(b, "k"));
        Assert.Equal("v2", await ReadAsync(a, "k"));
        Assert.True(Assert.Single(a.Metrics.Of(HybridCacheKitDiagnostics.RecoveryQueued)).HasTag(HybridCacheKitDiagnostics.RecoveryActionTag, "announce"));
    }

    [Fact]
    public async Task RemoveAsync_L2Down_ReplayedAsRemoval()
    {
        await using var world = World.Create();
        var (a, b) = (world.A, world.B);
        await a.Cache.SetAsync("k", "v1", s_long);
        Assert.Equal("v1", await ReadAsync(b, "k"));

        world.Outage();
        await a.Cache.RemoveAsync("k");
        Assert.NotNull(world.L2.Inner.Get("k"));

        world.Recover();
        await world.ReplayAsync(a);

        Assert.Null(world.L2.Inner.Get("k"));
        Assert.Equal("k:factory", await ReadAsync(b, "k"));
    }

    [Fact]
    public async Task RemoveByTagAsync_L2Down_ReplayWritesARecordEveryInstanceHonours()
    {
        await using var world = World.Create();
        var (a, b) = (world.A, world.B);
        await a.Cache.SetAsync("k", "v1", s_long, ["t"]);
        Assert.Equal("v1", await ReadAsync(b, "k", ["t"]));

        world.Outage();
        await a.Cache.RemoveByTagAsync("t");
        Assert.Null(world.L2.Inner.Get(DefaultHybridCache.TagKeyPrefix + "t"));
        Assert.Equal("v1", await ReadAsync(b, "k", ["t"]));

        world.Recover();
        await world.ReplayAsync(a);

        Assert.NotNull(world.L2.Inner.Get(DefaultHybridCache.TagKeyPrefix + "t"));
        Assert.Equal("k:factory", await ReadAsync(b, "k", ["t"]));

        // A third instance, started after the outage, finds the entry still in L2 and the record beside it.
        var c = world.AddInstance();
        Assert.Equal("k:factory", await ReadAsync(c, "k", ["t"]));
    }

    [Fact]
    public async Task SetAsync_ManyFailedChangesOfOneKey_QueuedOnceReplayedOnceAndTheGaugeFollows()
    {
        await using var world = World.Create();
        var a = world.A;
        world.Outage();
        for (var i = 0; i < 5; i++)
        {
            await a.Cache.SetAsync("k", $"v{i}", s_long);
        }

        Assert.Equal(1, a.Engine.PendingChangesForTests);
        Assert.Equal(5, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryQueued));
        a.Metrics.CollectObservables();
        Assert.Equal(1, a.Metrics.Of(HybridCacheKitDiagnostics.RecoveryPending)[^1].Value);

        world.Recover();
        world.L2.ResetCallCounts();
        await world.ReplayAsync(a);

        Assert.Equal(1, world.L2.RemoveCalls);
        Assert.Equal(1, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed));
        a.Metrics.CollectObservables();
        Assert.Equal(0, a.Metrics.Of(HybridCacheKitDiagnostics.RecoveryPending)[^1].Value);
    }

    [Fact]
    public async Task SetAsync_ALaterChangeOfTheKeyGoesThrough_QueuedChangeDroppedWithoutReplay()
    {
        await using var world = World.Create();
        var (a, b) = (world.A, world.B);
        world.Outage();
        await a.Cache.SetAsync("k", "v2", s_long);
        Assert.Equal(1, a.Engine.PendingChangesForTests);

        world.Recover();
        await a.Cache.SetAsync("k", "v3", s_long);
        Assert.Equal(0, a.Engine.PendingChangesForTests);

        world.L2.ResetCallCounts();
        world.Time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(50);

        Assert.Equal(0, world.L2.RemoveCalls);
        Assert.Equal("v3", await ReadAsync(b, "k"));
        Assert.Equal(0, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed));
    }

    [Fact]
    public async Task QueueFull_FurtherChangesCountedAsDroppedAndLoggedOnce()
    {
        await using var world = World.Create(o => o.AutoRecoveryMaxChanges = 2);
        var a = world.A;
        world.Outage();
        for (var i = 0; i < 4; i++)
        {
            await a.Cache.SetAsync($"k{i}", "v", s_long);
        }

        // A key already queued is still updated when the queue is full.
        await a.Cache.SetAsync("k0", "v-again", s_long);

        Assert.Equal(2, a.Engine.PendingChangesForTests);
        Assert.Equal(2, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryDropped));
        var warning = Assert.Single(a.Logs.WithEventId(QueueFullEvent));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.False(warning.Mentions("k2"), "the warning must not name keys");

        world.Recover();
        await world.ReplayAsync(a);
        Assert.Equal(2, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed));
    }

    [Fact]
    public async Task L2StillDown_ChangesWaitAndAreRetriedUntilItWorks()
    {
        await using var world = World.Create();
        var a = world.A;
        world.Outage();
        await a.Cache.SetAsync("k", "v2", s_long);
        world.L2.ResetCallCounts();

        await Eventually.HoldsAsync(
            () =>
            {
                world.Time.Advance(TimeSpan.FromSeconds(1));
                return world.L2.RemoveCalls >= 3;
            },
            "three retries reach the failing L2");

        Assert.Equal(1, a.Engine.PendingChangesForTests);
        Assert.Equal(0, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed));

        world.Recover();
        await world.ReplayAsync(a);
        Assert.Null(world.L2.Inner.Get("k"));
    }

    [Fact]
    public async Task AChangeTheServerKeepsRefusing_GivenUpWhileL2AnswersOtherCalls_OthersReplayed()
    {
        await using var world = World.Create(wrap: inner => new RefusingRemovalsOf("poison", inner));
        var a = world.A;
        world.Outage();
        await a.Cache.SetAsync("poison", "v", s_long);
        await a.Cache.SetAsync("fine", "v", s_long);
        world.Recover();

        // Between passes the application keeps using L2 successfully (fresh keys: L2 misses, then writes).
        var passes = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                await ReadAsync(a, $"traffic:{passes++}");
                world.Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(2);
                return a.Engine.PendingChangesForTests == 0;
            },
            "the refused change is given up");

        Assert.True(passes >= 60, $"given up after {passes} passes; it should take 60 in which L2 answered other calls");
        Assert.Equal(1, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryReplayed));
        Assert.Equal(1, a.Metrics.Sum(HybridCacheKitDiagnostics.RecoveryDropped));
        Assert.Single(a.Logs.WithEventId(GivenUpEvent));
        Assert.Null(world.L2.Inner.Get("fine"));
    }

    [Fact]
    public async Task BackplaneReconnects_ReplaysAtOnceWithoutWaitingForTheRetryInterval()
    {
        await using var world = World.Create(o => o.AutoRecoveryRetryInterval = TimeSpan.FromHours(1));
        var a = world.A;
        world.Outage();
        await a.Cache.SetAsync("k", "v2", s_long);

        world.Recover();
        world.Hub.Reconnect();

        await Eventually.HoldsAsync(() => a.Engine.PendingChangesForTests == 0, "the reconnection triggers the replay");
        Assert.Null(world.L2.Inner.Get("k"));
    }

    [Fact]
    public async Task EnableAutoRecoveryFalse_NothingQueuedOrReplayed()
    {
        await using var world = World.Create(o => o.EnableAutoRecovery = false);
        var (a, b) = (world.A, world.B);
        await a.Cache.SetAsync("k", "v1", s_long);
        Assert.Equal("v1", await ReadAsync(b, "k"));
        world.Outage();
        await a.Cache.SetAsync("k", "v2", s_long);
        world.Recover();
        world.L2.ResetCallCounts();

        world.Time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(50);

        Assert.Equal(0, a.Engine.PendingChangesForTests);
        Assert.Equal(0, world.L2.RemoveCalls);
        Assert.Equal("v1", await ReadAsync(b, "k")); // the documented behaviour without it
    }

    /// <summary>Two engines (A and B) over one failing-on-demand L2 and one in-memory backplane, on a fake clock.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly Action<HybridCacheKitOptions>? _configure;
        private readonly List<CacheUnderTest> _instances = [];

        private World(Action<HybridCacheKitOptions>? configure, Func<IBufferDistributedCache, IBufferDistributedCache>? wrap)
        {
            _configure = configure;
            var inner = new BufferDistributedCache(Time);
            L2 = (ChaosBufferDistributedCache)ChaosDistributedCache.Wrap(wrap?.Invoke(inner) ?? inner, Time);
            A = AddInstance();
            B = AddInstance();
        }

        public FakeTimeProvider Time { get; } = new();

        public ChaosBufferDistributedCache L2 { get; }

        public BackplaneHub Hub { get; } = new();

        public CacheUnderTest A { get; }

        public CacheUnderTest B { get; }

        public static World Create(Action<HybridCacheKitOptions>? configure = null, Func<IBufferDistributedCache, IBufferDistributedCache>? wrap = null) => new(configure, wrap);

        public CacheUnderTest AddInstance()
        {
            var backplane = Hub.Join();
            var instance = CacheUnderTest.Create(_configure, Time, L2, services => services.AddSingleton(backplane));
            _instances.Add(instance);
            return instance;
        }

        /// <summary>Redis is gone: L2 calls throw and publishes fail.</summary>
        public void Outage()
        {
            L2.Mode = ChaosMode.Throw;
            Hub.Failing = true;
        }

        public void Recover()
        {
            L2.Mode = ChaosMode.PassThrough;
            Hub.Failing = false;
        }

        /// <summary>Moves the fake clock a retry interval at a time until <paramref name="instance"/> has nothing queued.</summary>
        public Task ReplayAsync(CacheUnderTest instance) => Eventually.HoldsAsync(
            () =>
            {
                Time.Advance(TimeSpan.FromSeconds(1));
                return instance.Engine.PendingChangesForTests == 0;
            },
            "the queued changes are replayed");

        public ValueTask DisposeAsync()
        {
            foreach (var instance in _instances)
            {
                instance.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads a key through <paramref name="instance"/>; the factory returns "key:factory".</summary>
    private static ValueTask<string> ReadAsync(CacheUnderTest instance, string key, string[]? tags = null)
        => instance.Cache.GetOrCreateAsync(key, key, static (k, _) => ValueTask.FromResult(k + ":factory"), s_long, tags);

    /// <summary>An L2 whose server refuses to remove one key (as an ACL or a lost cluster slot might), and serves the rest.</summary>
    private sealed class RefusingRemovalsOf(string refused, IBufferDistributedCache inner) : IBufferDistributedCache
    {
        public byte[]? Get(string key) => inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

        public bool TryGet(string key, System.Buffers.IBufferWriter<byte> destination) => inner.TryGet(key, destination);

        public ValueTask<bool> TryGetAsync(string key, System.Buffers.IBufferWriter<byte> destination, CancellationToken token = default) => inner.TryGetAsync(key, destination, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Set(string key, System.Buffers.ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public ValueTask SetAsync(string key, System.Buffers.ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

        public Task RemoveAsync(string key, CancellationToken token = default)
            => key == refused ? Task.FromException(new InvalidOperationException("NOPERM (test): this key may not be removed")) : inner.RemoveAsync(key, token);
    }

    /// <summary>An in-memory backplane: a publish reaches every other member at once, unless the hub is failing.</summary>
    private sealed class BackplaneHub
    {
        private readonly List<Member> _members = [];

        public bool Failing { get; set; }

        public IHybridCacheBackplane Join()
        {
            var member = new Member(this);
            lock (_members)
            {
                _members.Add(member);
            }

            return member;
        }

        /// <summary>Every member reports a reconnection, as a real backplane does when Redis is back.</summary>
        public void Reconnect()
        {
            foreach (var member in Snapshot())
            {
                member.Listener?.OnReconnected();
            }
        }

        private Member[] Snapshot()
        {
            lock (_members)
            {
                return [.. _members];
            }
        }

        private sealed class Member(BackplaneHub hub) : IHybridCacheBackplane
        {
            public IHybridCacheBackplaneListener? Listener { get; private set; }

            public bool IsConnected => !hub.Failing;

            public void Subscribe(IHybridCacheBackplaneListener listener) => Listener = listener;

            public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken)
            {
                if (hub.Failing)
                {
                    return ValueTask.FromResult(false);
                }

                foreach (var member in hub.Snapshot())
                {
                    if (!ReferenceEquals(member, this))
                    {
                        member.Listener?.OnMessage(message);
                    }
                }

                return ValueTask.FromResult(true);
            }
        }
    }
}
