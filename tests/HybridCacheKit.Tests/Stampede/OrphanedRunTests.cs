using System.Diagnostics;
using System.Text;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Distributed;
using HybridCacheKit.Internal.Envelope;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Stampede;

/// <summary>
/// A run every caller has left (an orphan) whose factory ignores its token goes on, and stores its value when it ends:
/// instances waiting for this one's lock look for it in L2. A change of the key made meanwhile must still supersede it,
/// as it supersedes a run that callers still wait for. Before, the orphan could no longer be found once it had left the
/// flight map (a later caller replaced it with a fresh run, or a tag invalidation detached it), and its older value then
/// overwrote the newer one in L1 and L2.
/// </summary>
public sealed class OrphanedRunTests
{
    private const string Miss = "(not in L1)";

    private static readonly HybridCacheEntryOptions s_options = new() { Expiration = TimeSpan.FromMinutes(5) };

    // Looks at L1 alone: a miss neither reads L2 nor stores anything.
    private static readonly HybridCacheEntryOptions s_l1Only = new()
    {
        Expiration = TimeSpan.FromMinutes(5),
        Flags = HybridCacheEntryFlags.DisableDistributedCache | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    /// <param name="replaced">
    /// Whether a later caller replaced the orphan with a fresh run before the change: without one, the orphan is still in
    /// the flight map (this case passed before the fix too).
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SetAsync_AfterEveryCallerLeftTheRun_TheOrphanDoesNotOverwriteTheNewValue(bool replaced)
    {
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var orphan = replaced ? await OrphanedRun.StartAndReplaceAsync(sut.Cache) : await OrphanedRun.StartAsync(sut.Cache);

        await sut.Cache.SetAsync("key", "new", s_options);
        await orphan.FinishAsync("old");

        await AssertHoldsAsync(sut, l2, "new");
    }

    [Fact]
    public async Task SetAsync_WhileTheOrphanAndAFreshRunOfTheKeyAreBothInProgress_NeitherOverwritesTheNewValue()
    {
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var orphan = await OrphanedRun.StartAsync(sut.Cache);
        var fresh = new GatedFactory<string>();
        var freshCall = sut.Cache.GetOrCreateAsync("key", fresh.RunAsync, s_options).AsTask();
        await fresh.Started.WaitAsync(Eventually.Limit);

        await sut.Cache.SetAsync("key", "new", s_options);
        await orphan.FinishAsync("old");
        fresh.Release("fresh");

        Assert.Equal("fresh", await freshCall.WaitAsync(Eventually.Limit));     // its call overlapped the change
        Assert.Equal(1, fresh.Calls);
        await AssertHoldsAsync(sut, l2, "new");
    }

    [Fact]
    public async Task RemoveAsync_AfterALaterCallerReplacedTheOrphanWithAFreshRun_TheOrphanDoesNotPutItsValueBack()
    {
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var orphan = await OrphanedRun.StartAndReplaceAsync(sut.Cache);

        await sut.Cache.RemoveAsync("key");
        await orphan.FinishAsync("old");

        Assert.Equal(Miss, await ReadL1Async(sut));
        Assert.Null(ReadL2(l2));
    }

    [Fact]
    public async Task ChangeAnnouncedByAnotherInstance_AfterALaterCallerReplacedTheOrphanWithAFreshRun_TheOrphanDoesNotOverwriteTheNewValue()
    {
        var l2 = new BufferDistributedCache();
        var backplane = new ManualBackplane();
        using var sut = CacheUnderTest.Create(l2: l2, services: s => s.AddSingleton<IHybridCacheBackplane>(backplane));
        using var writer = CacheUnderTest.Create(l2: l2);
        using var orphan = await OrphanedRun.StartAndReplaceAsync(sut.Cache);

        await writer.Cache.SetAsync("key", "new", s_options);
        backplane.Listener!.OnMessage(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "key", DateTime.UtcNow.Ticks));
        await orphan.FinishAsync("old");

        Assert.Equal(Miss, await ReadL1Async(sut));     // evicted by the message; the orphan put nothing back
        Assert.Equal("new", ReadL2(l2));
        Assert.Equal("new", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
    }

    [Fact]
    public async Task RemoveByTagAsync_AfterEveryCallerLeftATaggedRun_TheOrphansValueIsNeverServed()
    {
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var other = CacheUnderTest.Create(l2: l2);
        using var orphan = await OrphanedRun.StartAsync(sut.Cache, ["t"]);

        await sut.Cache.RemoveByTagAsync("t");
        await orphan.FinishAsync("old");

        // The orphan may store its value (a tag invalidation supersedes no run), but it was created before the
        // invalidation: neither this instance nor another one serves it.
        Assert.Equal(Miss, await ReadL1Async(sut));
        Assert.Equal("again", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("again"), s_options, ["t"]));
        Assert.Equal("again", await other.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options, ["t"]));
    }

    [Fact]
    public async Task SetAsync_AfterATagInvalidationDetachedTheOrphan_TheOrphanDoesNotOverwriteTheNewValue()
    {
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var orphan = await OrphanedRun.StartAsync(sut.Cache, ["t"]);

        await sut.Cache.RemoveByTagAsync("t");
        await sut.Cache.SetAsync("key", "new", s_options, ["t"]);
        await orphan.FinishAsync("old");

        await AssertHoldsAsync(sut, l2, "new");
    }

    [Fact]
    public async Task SetAsync_AfterAnInvalidationOfAnotherTagDetachedARunOfTheKey_TheRunDoesNotOverwriteTheNewValue()
    {
        // Not an orphan: its caller is still there. A tag invalidation detaches every run, and the run must still be
        // found by a change of its key that comes later.
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        var run = new GatedFactory<string>();
        var inFlight = sut.Cache.GetOrCreateAsync("key", run.RunAsync, s_options).AsTask();
        await run.Started.WaitAsync(Eventually.Limit);

        await sut.Cache.RemoveByTagAsync("unrelated");
        await sut.Cache.SetAsync("key", "new", s_options);
        run.Release("old");

        Assert.Equal("old", await inFlight.WaitAsync(Eventually.Limit));        // its call overlapped the change
        await AssertHoldsAsync(sut, l2, "new");
    }

    /// <summary>L1 and L2 both hold <paramref name="expected"/>, and a lookup returns it without running its factory.</summary>
    private static async Task AssertHoldsAsync(CacheUnderTest sut, BufferDistributedCache l2, string expected)
    {
        Assert.Equal(expected, await ReadL1Async(sut));
        Assert.Equal(expected, ReadL2(l2));
        Assert.Equal(expected, await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
    }

    private static async Task<string> ReadL1Async(CacheUnderTest sut)
        => await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(Miss), s_l1Only);

    /// <summary>The value L2 holds for "key", read from the envelope; null when there is no entry.</summary>
    private static string? ReadL2(BufferDistributedCache l2)
    {
        var bytes = l2.Get("key");
        if (bytes is null)
        {
            return null;
        }

        Assert.Equal(EnvelopeReadStatus.Ok, PayloadEnvelope.TryRead(bytes, "key", long.MaxValue, out _, out var payload));
        return Encoding.UTF8.GetString(payload.Span);
    }

    /// <summary>
    /// A run of "key" whose only caller has left, and whose factory ignores its token and waits for <see cref="FinishAsync"/>.
    /// The run's end is seen as its activity stopping (the run's last act but handing the value to its starter), so the
    /// test waits for the orphan's store, or its decision not to store, without a delay.
    /// </summary>
    private sealed class OrphanedRun : IDisposable
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ActivityListener _listener;
        private Activity? _run;

        private OrphanedRun()
        {
            // Registered before the run starts: without a listener the run creates no activity.
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == HybridCacheKitDiagnostics.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    if (ReferenceEquals(activity, Volatile.Read(ref _run)))
                    {
                        _ended.TrySetResult();
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>Starts the run with a cancellable caller, waits until its factory runs, then cancels the caller.</summary>
        public static async Task<OrphanedRun> StartAsync(HybridCache cache, IEnumerable<string>? tags = null)
        {
            var orphan = new OrphanedRun();
            using var caller = new CancellationTokenSource();
            var call = cache.GetOrCreateAsync("key", orphan.FactoryAsync, s_options, tags, caller.Token).AsTask();
            await orphan._started.Task.WaitAsync(Eventually.Limit);
            var run = Volatile.Read(ref orphan._run);
            Assert.NotNull(run);
            Assert.Equal("hybridcache.get_or_create", run.OperationName);

            await caller.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Eventually.Limit));
            return orphan;
        }

        /// <summary>
        /// <see cref="StartAsync"/>, then a later caller of the key replaces the orphan with a fresh run, which completes:
        /// the orphan is no longer in the flight map.
        /// </summary>
        public static async Task<OrphanedRun> StartAndReplaceAsync(HybridCache cache)
        {
            var orphan = await StartAsync(cache);
            Assert.Equal("fresh", await cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_options));
            return orphan;
        }

        /// <summary>Lets the factory return <paramref name="value"/> and waits for the run to end.</summary>
        public async Task FinishAsync(string value)
        {
            _release.SetResult(value);
            await _ended.Task.WaitAsync(Eventually.Limit);
        }

        public void Dispose() => _listener.Dispose();

        private async ValueTask<string> FactoryAsync(CancellationToken cancellationToken)
        {
            Volatile.Write(ref _run, Activity.Current);
            _started.TrySetResult();

            // Ignores its token, as a factory that does not observe cancellation does.
            return await _release.Task.WaitAsync(Eventually.Limit, CancellationToken.None);
        }
    }

    /// <summary>A backplane whose messages the test delivers by hand.</summary>
    private sealed class ManualBackplane : IHybridCacheBackplane
    {
        public IHybridCacheBackplaneListener? Listener { get; private set; }

        public bool IsConnected => true;

        public void Subscribe(IHybridCacheBackplaneListener listener) => Listener = listener;

        public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
