using System.Diagnostics;
using System.Globalization;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.TestUtilities.Redis;
using Xunit.Abstractions;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// The steps and required outcomes shared by the fault tests: two application nodes (A and B) over one redis-server of
/// the test's own, a seeded entry in A's L1, concurrent load during the fault, then the checks: no caller saw an
/// exception or a wrong value, every call finished within <see cref="LatencyBound"/>, L2 works again (a value written
/// on B is read from L2 on A), and A does not serve its pre-fault L1 copy of a key changed after recovery.
/// </summary>
internal sealed class FaultScenario : IAsyncDisposable
{
    /// <summary>A correctness bound proving no call hangs (not a speed target): many times the 250 ms operation timeout.</summary>
    public static readonly TimeSpan LatencyBound = TimeSpan.FromSeconds(3);

    /// <summary>How long recovery may take after the fault ends (breaker break of 2 s, reconnect, resubscribe).</summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(15);

    public const int Callers = 16;
    public const string SharedKey = "shared";
    private const string Before = "before-fault";
    private const string After = "after-recovery";

    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private FaultScenario(RedisServer server, CacheNode a, CacheNode b, ITestOutputHelper output)
    {
        Server = server;
        A = a;
        B = b;
        _output = output;
    }

    public RedisServer Server { get; }

    public CacheNode A { get; }

    public CacheNode B { get; }

    /// <summary>Starts a server of the test's own and two nodes on it, and waits until both backplanes are subscribed.</summary>
    public static async Task<FaultScenario> StartAsync(ITestOutputHelper output)
    {
        var server = await RedisServer.StartAsync();
        var scenario = new FaultScenario(server, CacheNode.Create(server.ConfigurationString), CacheNode.Create(server.ConfigurationString), output);
        await scenario.WaitForBackplanesAsync("at start-up");
        return scenario;
    }

    /// <summary>Two nodes on a server the caller started (with settings of its own); the scenario owns it from here.</summary>
    public static FaultScenario Wrap(RedisServer server, ITestOutputHelper output)
        => new(server, CacheNode.Create(server.ConfigurationString), CacheNode.Create(server.ConfigurationString), output);

    /// <summary>Two nodes built while nothing listens on <paramref name="server"/>'s port (the caller stopped it).</summary>
    public static FaultScenario CreateWithServerDown(RedisServer server, ITestOutputHelper output)
    {
        Assert.False(server.IsRunning);
        return new FaultScenario(server, CacheNode.Create(server.ConfigurationString), CacheNode.Create(server.ConfigurationString), output);
    }

    public void Log(string message)
        => _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:F2} s] {message}"));

    /// <summary>B writes the shared key; A reads it through L2 and so holds it in L1 from before the fault.</summary>
    public Task SeedSharedEntryAsync() => SetOnBThenReadOnAAsync(SharedKey, Before);

    /// <summary>
    /// B writes a key, then A reads it (from L2) into its L1. A waits for B's change message first: arriving after A's
    /// read it would (rightly) evict A's fresh copy, and the test would no longer hold what it thinks it holds.
    /// </summary>
    public async Task SetOnBThenReadOnAAsync(string key, string value, string[]? tags = null)
    {
        var messages = A.Metrics.Count(HybridCacheKitDiagnostics.BackplaneMessages);
        await B.Cache.SetAsync(key, value, tags: tags);
        await Eventually.WaitAsync(() => A.Metrics.Count(HybridCacheKitDiagnostics.BackplaneMessages) > messages, TimeSpan.FromSeconds(5), "B's change message reaches A");
        Assert.Equal(value, await A.GetAsync(key, tags));
    }

    /// <summary>A shared key A holds in L1 with whatever value it could get (used when Redis was down all along).</summary>
    public async Task SeedSharedEntryWhileDownAsync() => Assert.Equal(CacheNode.FactoryValue(SharedKey), await A.GetAsync(SharedKey));

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    /// <summary>The required outcome of the load: every call completed, none threw, every value right, max latency under the bound.</summary>
    public void AssertLoadOutcome(LoadRun load, string phase)
    {
        Log($"{phase}: {load.Describe()}");
        Assert.True(load.Calls > Callers, $"{phase}: the load made too few calls to mean anything: {load.Describe()}");
        Assert.True(load.Exceptions.Count == 0, $"{phase}: a caller got an exception from the cache layer: {load.Describe()}");
        Assert.True(load.WrongValues.Count == 0, $"{phase}: a caller got a wrong value: {load.Describe()}");
        Assert.True(load.MaxLatency < LatencyBound, $"{phase}: a call took {load.MaxLatency.TotalMilliseconds:F0} ms (bound {LatencyBound.TotalSeconds} s): {load.Describe()}");
    }

    /// <summary>
    /// Polls until a value written on B (a fresh key each attempt) is read on A from L2: L2 works again for both
    /// nodes. Every call made while polling must still succeed. Returns how long it took.
    /// </summary>
    public async Task<TimeSpan> WaitForL2RecoveryAsync(string since)
    {
        var attempt = 0;
        var took = await Eventually.WaitAsync(async () =>
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"recovered:{attempt++}");
            await B.Cache.SetAsync(key, "from-b");
            var seen = await A.GetAsync(key);
            Assert.True(seen == "from-b" || seen == CacheNode.FactoryValue(key), $"A read '{seen}' for {key}.");
            return seen == "from-b";
        }, RecoveryBound, "a value written on node B after the fault is read on node A through L2");
        Log($"L2 works again {took.TotalMilliseconds:F0} ms after {since} ({attempt} attempts)");
        return took;
    }

    /// <summary>Waits until both nodes' backplanes report a live (echo-proven) subscription.</summary>
    public async Task<TimeSpan> WaitForBackplanesAsync(string when)
    {
        var took = await Eventually.WaitAsync(() => A.BackplaneConnected && B.BackplaneConnected, RecoveryBound, $"both backplanes subscribed {when}");
        Log($"backplanes subscribed {when} after {took.TotalMilliseconds:F0} ms");
        return took;
    }

    /// <summary>
    /// After recovery B changes the shared key; A held the pre-fault value in L1. When A's backplane lost its
    /// subscription during the fault (<paramref name="revalidated"/>), A must never serve that copy again: it moved its
    /// L1 epoch, so the copy is revalidated against L2. When the subscription survived (a freeze), the copy is still
    /// trusted until B's change message arrives: A must stop serving it within that delivery lag (a read racing the
    /// message may still see it: the documented eventual behaviour). Either way, never again afterwards.
    /// </summary>
    public async Task AssertNoStaleL1Async(bool revalidated, string staleValue = Before)
    {
        await B.Cache.SetAsync(SharedKey, After);
        var watch = Stopwatch.StartNew();
        var staleReads = 0;
        while (true)
        {
            var seen = await A.GetAsync(SharedKey);
            if (seen == After)
            {
                break;
            }

            staleReads += seen == staleValue ? 1 : 0;
            Assert.False(revalidated && seen == staleValue, "Node A served its L1 copy from before the outage after its backplane had reconnected.");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Node A still serves '{seen}' {watch.Elapsed.TotalMilliseconds:F0} ms after node B changed the key after recovery.");
            await Task.Delay(5);
        }

        var lag = watch.Elapsed;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(After, await A.GetAsync(SharedKey));
        }

        Log($"A served B's post-recovery value {lag.TotalMilliseconds:F1} ms after B's write ({staleReads} reads of the pre-fault copy before the change message arrived), and only that from then on");
    }

    /// <summary>Polls until both nodes' circuit breakers are open; returns how long it took.</summary>
    public async Task<TimeSpan> WaitForBreakersOpenAsync(string since)
    {
        var took = await Eventually.WaitAsync(() => A.Connection.IsCircuitOpen && B.Connection.IsCircuitOpen, TimeSpan.FromSeconds(5), "both circuit breakers open");
        Log($"both circuit breakers open {took.TotalMilliseconds:F0} ms after {since}");
        return took;
    }

    /// <summary>
    /// With the breakers open and load running, watches both nodes for <paramref name="window"/>: the engine keeps
    /// making L2 operations, but almost none may reach Redis. "Reaching Redis" is counted by StackExchange.Redis itself
    /// (operations issued on the nodes' interactive connections), not from durations, which a busy machine can stretch.
    /// The engine's L2 operations are the ones it attempted (its duration histogram) plus the ones it skipped because the
    /// package reported the breaker open (its error counter, <c>error.type = unavailable</c>).
    /// Allowed: one half-open probe per node per break (2 s) that began in the window, each at most
    /// <see cref="OperationsPerProbe"/> Redis operations.
    /// </summary>
    public async Task AssertBreakerStopsCallsAsync(TimeSpan window)
    {
        // Operations that were already waiting when the breaker opened end within one operation timeout.
        await Task.Delay(CacheNode.OperationTimeout + TimeSpan.FromMilliseconds(100));
        var startA = A.L2Operations.Count;
        var startB = B.L2Operations.Count;
        var skippedBefore = A.SkippedL2Operations + B.SkippedL2Operations;
        var sentBefore = A.SentOperations + B.SentOperations;
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var sent = A.SentOperations + B.SentOperations - sentBefore;
        var skipped = A.SkippedL2Operations + B.SkippedL2Operations - skippedBefore;
        var elapsed = watch.Elapsed;
        var ops = A.L2Operations.Skip(startA).Concat(B.L2Operations.Skip(startB)).ToList();
        var fast = ops.Count(m => m.Value < 0.05);
        var breaks = 1 + (int)(elapsed.TotalSeconds / new HybridCacheKitRedisOptions().CircuitBreakDuration.TotalSeconds);
        var allowed = 2 * breaks * OperationsPerProbe;
        Log($"breaker window {elapsed.TotalMilliseconds:F0} ms: the engines skipped {skipped} L2 operations and attempted {ops.Count} ({fast} failed in under 50 ms); {sent} Redis operations were issued (allowed {allowed})");
        Assert.True(skipped + ops.Count >= 10, $"The load made too few L2 operations in the window to judge the breaker ({skipped} skipped, {ops.Count} attempted).");
        Assert.True(sent <= allowed, $"{sent} Redis operations were issued in {elapsed.TotalMilliseconds:F0} ms while the breakers were open (allowed {allowed}; the engines skipped {skipped} L2 operations and attempted {ops.Count}).");
    }

    /// <summary>The most Redis operations one cache call can issue as a half-open probe.</summary>
    private const int OperationsPerProbe = 5;

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Server.DisposeAsync();
    }
}
