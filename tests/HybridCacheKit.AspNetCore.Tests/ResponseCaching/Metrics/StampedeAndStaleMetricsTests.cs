using System.Net;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>
/// Concurrent misses (one run, the others join it) and fail-safe's stale answers, through the real pipeline. The tests
/// hold the first run on a gate until the engine reports every other request as joined, so the counts are exact.
/// </summary>
public sealed class StampedeAndStaleMetricsTests
{
    private const int Concurrency = 8;

    [Fact]
    public async Task Get_ConcurrentMissesOfASlowEndpoint_OneMissAndTheRestJoin()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await MetricsTestApp.StartAsync(gate);
        using var metrics = new ResponseMetrics(host.App.Services);
        using var engine = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendFullyAsync(HttpMethod.Get, "/slow")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["slow"] == 1 && engine.StampedeJoins == Concurrency - 1, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal("slow 1", r.Body));
        Assert.True(metrics.Misses == 1, metrics.Describe());
        Assert.True(metrics.Joins == Concurrency - 1, metrics.Describe());
        Assert.True(metrics.Outcomes == Concurrency, metrics.Describe());

        // Afterwards the entry is an ordinary L1 hit, not a join.
        Assert.Equal("slow 1", await host.GetBodyAsync("/slow"));
        Assert.True(metrics.Hits("l1") == 1 && metrics.Joins == Concurrency - 1, metrics.Describe());
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_ConcurrentMissesWhoseRunSetsACookie_OwnerCountsSetCookieAndWaitersSharedRunNotStored()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await MetricsTestApp.StartAsync(gate);
        using var metrics = new ResponseMetrics(host.App.Services);
        using var engine = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendFullyAsync(HttpMethod.Get, "/private-slow")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["private-slow"] == 1 && engine.StampedeJoins == Concurrency - 1, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.Equal(Concurrency, host.Calls["private-slow"]);
        Assert.True(metrics.NotStored("set_cookie") == 1, metrics.Describe());
        Assert.True(metrics.NotStored("shared_run_not_stored") == Concurrency - 1, metrics.Describe());
        Assert.True(metrics.Outcomes == Concurrency, metrics.Describe());
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_ConcurrentMissesWhoseRunThrows_OwnerCountsEndpointErrorAndWaitersSharedRunFailed()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await MetricsTestApp.StartAsync(gate);
        using var metrics = new ResponseMetrics(host.App.Services);
        using var engine = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendFullyAsync(HttpMethod.Get, "/fails-once")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["fails-once"] == 1 && engine.StampedeJoins == Concurrency - 1, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.Single(responses, r => r.Response.StatusCode == HttpStatusCode.InternalServerError);
        Assert.True(metrics.NotStored("endpoint_error") == 1, metrics.Describe());
        Assert.True(metrics.NotStored("shared_run_failed") == Concurrency - 1, metrics.Describe());
        Assert.True(metrics.Outcomes == Concurrency, metrics.Describe());
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_EndpointFailsAfterExpiryWithFailSafe_CountsStaleServesNotHits()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var failing = false;
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseExceptionHandler(b => b.Run(ctx =>
                {
                    ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    return Task.CompletedTask;
                }));
                app.UseDistributedResponseCache();
                app.MapGet("/flaky", (CallCounter c) =>
                {
                    var n = c.Next("flaky");
                    return failing ? throw new InvalidOperationException("the database is down") : $"flaky {n}";
                }).CacheResponse(p => p.Duration(TimeSpan.FromSeconds(10)));
            },
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(time),
            engineOptions: o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
                o.FailSafeThrottleDuration = TimeSpan.FromSeconds(30);
            });
        using var metrics = new ResponseMetrics(host.App.Services);

        Assert.Equal("flaky 1", await host.GetBodyAsync("/flaky"));
        Assert.Equal("flaky 1", await host.GetBodyAsync("/flaky"));
        failing = true;
        time.Advance(TimeSpan.FromSeconds(30));

        // The run fails and fail-safe answers with the stale response; then, within the throttle, the copy fail-safe
        // re-armed in L1 answers without a run: stale both times.
        var (stale, staleBody) = await host.SendFullyAsync(HttpMethod.Get, "/flaky");
        stale.Dispose();
        var (throttled, throttledBody) = await host.SendFullyAsync(HttpMethod.Get, "/flaky");
        throttled.Dispose();

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("flaky 1", staleBody);
        Assert.Equal("flaky 1", throttledBody);
        Assert.Equal(2, host.Calls["flaky"]);
        Assert.True(metrics.Misses == 1 && metrics.Hits("l1") == 1, metrics.Describe());
        Assert.True(metrics.Stale == 2, metrics.Describe());
        Assert.True(metrics.Outcomes == 4, metrics.Describe());
    }

    [Fact]
    public async Task Get_ConcurrentMissesWhoseRunFailsWithFailSafe_EveryRequestCountsAStaleServe()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failing = false;
        await using var host = await CacheTestHost.StartAsync(
            app =>
            {
                app.UseDistributedResponseCache();
                app.MapGet("/flaky", async (CallCounter c) =>
                {
                    var n = c.Next("flaky");
                    if (failing)
                    {
                        await gate.Task;
                        throw new InvalidOperationException("the database is down");
                    }

                    return $"flaky {n}";
                }).CacheResponse(p => p.Duration(TimeSpan.FromSeconds(10)));
            },
            configureBuilder: b => b.Services.AddSingleton<TimeProvider>(time),
            engineOptions: o =>
            {
                o.EnableFailSafe = true;
                o.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
            });
        using var metrics = new ResponseMetrics(host.App.Services);
        using var engine = new EngineMetrics(host.App.Services);
        Assert.Equal("flaky 1", await host.GetBodyAsync("/flaky"));
        failing = true;
        time.Advance(TimeSpan.FromSeconds(30));

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendFullyAsync(HttpMethod.Get, "/flaky")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["flaky"] == 2 && engine.StampedeJoins == Concurrency - 1, "every request joined the failing run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal("flaky 1", r.Body));
        Assert.True(metrics.Stale == Concurrency, metrics.Describe());
        Assert.True(metrics.Outcomes == Concurrency + 1, metrics.Describe());
        DisposeAll(responses);
    }

    private static void DisposeAll(IEnumerable<(HttpResponseMessage Response, string Body)> responses)
    {
        foreach (var (response, _) in responses)
        {
            response.Dispose();
        }
    }
}
