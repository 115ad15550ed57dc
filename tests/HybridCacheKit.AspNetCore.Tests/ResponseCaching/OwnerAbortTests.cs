using System.Collections.Concurrent;
using System.Net;
using HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// The client of the request whose run the others joined (the owner) disconnects while the endpoint runs for it. On
/// Kestrel on loopback, so the abort is a real closed connection. The waiters look the key up again: one of them runs the
/// endpoint, the others join it, and nothing the aborted request produced is stored or served. (The fail-safe case runs
/// on TestServer, which aborts the request when the client's token is cancelled, so the engine's clock can be faked.)
/// </summary>
public sealed class OwnerAbortTests
{
    private const int Waiters = 5;

    // A run the test means to abort waits this long for the abort, so a slow machine cannot let it finish first.
    private static readonly TimeSpan s_untilAborted = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_endpointTime = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public async Task Get_OwnerClientAbortsDuringTheEndpoint_OneWaiterRunsItOnceAndTheOthersJoin()
    {
        var runs = new Runs(abortedRuns: [1]);
        await using var host = await StartAsync(runs);
        using var metrics = new ResponseMetrics(host.App.Services);

        var responses = await AbortTheOwnerWhileOthersWaitAsync(host, runs, "/report");

        Assert.Equal(1, runs.Aborted);
        Assert.True(runs.Started <= 2, $"the endpoint ran {runs.Started} times");
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.StartsWith("report ", bodies[0], StringComparison.Ordinal);
        Assert.NotEqual("report 1", bodies[0]);

        // The waiters' run was stored: the next request is an L1 hit.
        var ran = runs.Started;
        Assert.Equal(bodies[0], await host.GetStringAsync("/report"));
        Assert.Equal(ran, runs.Started);
        Assert.True(metrics.Hits("l1") == 1, metrics.Describe());
        Assert.True(metrics.StampedeRetries == Waiters, metrics.Describe());
        Assert.Equal(Waiters, host.Logs.WithEventId(3005).Count);
        Assert.Empty(host.Logs.WithEventId(3003));
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_OwnerAbortedEndpointStillReturnsAResponse_ItIsNeitherStoredNorServedToTheWaiters()
    {
        // The endpoint swallows the cancellation and returns what it has: a partial answer, produced for a request that
        // is gone. It must reach nobody.
        var runs = new Runs(abortedRuns: [1]);
        await using var host = await StartAsync(runs);

        var responses = await AbortTheOwnerWhileOthersWaitAsync(host, runs, "/partial");

        Assert.Equal(1, runs.Aborted);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(bodies, b => Assert.StartsWith("complete ", b, StringComparison.Ordinal));
        Assert.True(runs.Started <= 2, $"the endpoint ran {runs.Started} times");
        Assert.StartsWith("complete ", await host.GetStringAsync("/partial"), StringComparison.Ordinal);
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_EveryNewOwnerAbortsToo_WaitersRetryTwiceThenEachRunsTheEndpointItself()
    {
        const int Rounds = 3; // the first run and the two retries
        var runs = new Runs(abortedRuns: [.. Enumerable.Range(1, Rounds)]);
        await using var host = await StartAsync(runs);
        using var engine = new EngineMetrics(host.App.Services);
        using var metrics = new ResponseMetrics(host.App.Services);
        var clients = new Dictionary<string, CancellationTokenSource>();
        var requests = new Dictionary<string, Task<HttpResponseMessage>>();
        for (var i = 0; i <= Waiters; i++)
        {
            var name = "client-" + i;
            clients[name] = new CancellationTokenSource();
            requests[name] = Send(host, "/report", name, clients[name].Token);
            if (i == 0)
            {
                await EngineMetrics.WaitUntilAsync(() => runs.Started == 1, "the first run started");
            }
        }

        // Each round: every request still waiting has joined the current run; then its owner's client goes away.
        var joins = 0;
        var waiting = Waiters;
        for (var round = 1; round <= Rounds; round++)
        {
            joins += waiting;
            var expectedJoins = joins;
            var expectedRun = round;
            await EngineMetrics.WaitUntilAsync(
                () => runs.Started == expectedRun && engine.StampedeJoins == expectedJoins,
                $"round {round}: a run started and every other request joined it");
            var owner = runs.ClientOf(round);
            await clients[owner].CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => requests[owner]);
            requests.Remove(owner);
            waiting--;
        }

        var responses = await Task.WhenAll(requests.Values);

        // The last waiters gave up on sharing after two retries: each ran the endpoint once for itself.
        var remaining = Waiters + 1 - Rounds;
        Assert.Equal(Rounds, runs.Aborted);
        Assert.Equal(Rounds + remaining, runs.Started);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Equal(remaining, bodies.Distinct().Count());
        Assert.True(metrics.StampedeRetries == Waiters + (Waiters - 1), metrics.Describe());
        Assert.True(metrics.NotStored("shared_run_failed") == remaining, metrics.Describe());
        Assert.Equal(remaining, host.Logs.WithEventId(3003).Count);
        DisposeAll(responses);
        foreach (var cancellation in clients.Values)
        {
            cancellation.Dispose();
        }
    }

    [Fact]
    public async Task Get_OwnerAbortsAfterExpiryWithFailSafe_WaitersGetAFreshRunNotTheStaleResponse()
    {
        // An aborted owner is not a failing endpoint: fail-safe must not answer the waiters with the stale response, nor
        // throttle the key, which would serve that stale response to everyone for FailSafeThrottleDuration.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var runs = new Runs(abortedRuns: [2]);
        await using var host = await StartAsync(
            runs,
            kestrel: false,
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(time),
            engineOptions: o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
                o.FailSafeThrottleDuration = TimeSpan.FromMinutes(5);
            });
        using var metrics = new ResponseMetrics(host.App.Services);
        Assert.Equal("report 1", await host.GetStringAsync("/report"));
        time.Advance(TimeSpan.FromMinutes(2));

        var responses = await AbortTheOwnerWhileOthersWaitAsync(host, runs, "/report");

        Assert.Equal(3, runs.Started);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(bodies, b => Assert.Equal("report 3", b));
        Assert.All(responses, r => Assert.NotEqual(TimeSpan.FromMinutes(2), r.Headers.Age));
        Assert.True(metrics.Stale == 0, metrics.Describe());
        Assert.Empty(host.Logs.WithEventId(1007));

        // The fresh response was stored; nothing stale was throttled into L1 in its place.
        Assert.Equal("report 3", await host.GetStringAsync("/report"));
        Assert.Equal(3, runs.Started);
        DisposeAll(responses);
    }

    private static Task<CacheTestHost> StartAsync(
        Runs runs,
        bool kestrel = true,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<HybridCacheKitOptions>? engineOptions = null) => CacheTestHost.StartAsync(
        app =>
        {
            app.UseDistributedResponseCache();
            app.MapGet("/report", async (HttpContext ctx) =>
            {
                var (n, completed) = await runs.RunAsync(ctx);
                return completed ? $"report {n}" : throw new OperationCanceledException(ctx.RequestAborted);
            }).CacheResponse();
            app.MapGet("/partial", async (HttpContext ctx) =>
            {
                var (n, completed) = await runs.RunAsync(ctx);
                return completed ? $"complete {n}" : $"partial {n}";
            }).CacheResponse();
        },
        configureBuilder: configureBuilder,
        engineOptions: engineOptions,
        kestrel: kestrel);

    /// <summary>
    /// Sends the owner's request, lets <see cref="Waiters"/> more requests of the same key join its run, then cancels the
    /// owner's request on the client; returns the waiters' responses once each has one.
    /// </summary>
    private static async Task<HttpResponseMessage[]> AbortTheOwnerWhileOthersWaitAsync(CacheTestHost host, Runs runs, string path)
    {
        using var engine = new EngineMetrics(host.App.Services);
        using var ownerClient = new CancellationTokenSource();
        var ownerRun = runs.Started + 1;
        var owner = Send(host, path, "owner", ownerClient.Token);
        await EngineMetrics.WaitUntilAsync(() => runs.Started == ownerRun, "the owner's run started");
        var waiters = Enumerable.Range(1, Waiters).Select(i => Send(host, path, "waiter-" + i)).ToArray();
        await EngineMetrics.WaitUntilAsync(() => engine.StampedeJoins == Waiters, "every waiter joined the owner's run");
        await ownerClient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => owner);
        return await Task.WhenAll(waiters);
    }

    private static Task<HttpResponseMessage> Send(CacheTestHost host, string path, string client, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(Runs.ClientHeader, client);
        return host.Client.SendAsync(request, cancellationToken);
    }

    private static void DisposeAll(IEnumerable<HttpResponseMessage> responses)
    {
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    /// <summary>The endpoint's runs: which client each ran for (a header outside the cache key) and how many were aborted.</summary>
    private sealed class Runs(int[] abortedRuns)
    {
        public const string ClientHeader = "X-Test-Client";

        private readonly ConcurrentDictionary<int, string> _clients = new();
        private int _started;
        private int _aborted;

        public int Started => Volatile.Read(ref _started);

        public int Aborted => Volatile.Read(ref _aborted);

        public string ClientOf(int run) => _clients[run];

        /// <summary>
        /// One run of the endpoint: <c>Task.Delay</c> on the request's <c>RequestAborted</c>, for the endpoint's usual
        /// time, or, for a run the test aborts, until the abort. Returns whether it ran to the end.
        /// </summary>
        public async Task<(int Run, bool Completed)> RunAsync(HttpContext context)
        {
            var n = Interlocked.Increment(ref _started);
            _clients[n] = context.Request.Headers[ClientHeader].ToString();
            try
            {
                await Task.Delay(abortedRuns.Contains(n) ? s_untilAborted : s_endpointTime, context.RequestAborted);
                return (n, true);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _aborted);
                return (n, false);
            }
        }
    }
}
