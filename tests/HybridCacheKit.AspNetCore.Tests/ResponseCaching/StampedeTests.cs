using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>Concurrent misses of one key on one node: one run, and what waiters get when that run is not cacheable or fails.</summary>
public sealed class StampedeTests
{
    private const int Concurrency = 16;

    private static Task<CacheTestHost> StartAsync(TaskCompletionSource gate) => CacheTestHost.StartAsync(
        app =>
        {
            app.UseExceptionHandler(b => b.Run(ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return Task.CompletedTask;
            }));
            app.UseDistributedResponseCache();
            app.MapGet("/slow", async (CallCounter c) =>
            {
                var n = c.Next("slow");
                await gate.Task;
                return $"slow {n}";
            }).CacheResponse();
            app.MapGet("/private", async (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("private");
                ctx.Response.Cookies.Append("session", $"secret-{n}");
                if (n == 1)
                {
                    await gate.Task;
                }

                return $"private {n}";
            }).CacheResponse();
            app.MapGet("/big", async (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("big");
                var chunk = new byte[64 * 1024];
                Array.Fill(chunk, (byte)('a' + n));
                for (var i = 0; i < 10; i++)
                {
                    await ctx.Response.Body.WriteAsync(chunk);
                }

                if (n == 1)
                {
                    await gate.Task;
                }
            }).CacheResponse();
            app.MapGet("/fails-once", async (CallCounter c) =>
            {
                var n = c.Next("fails-once");
                if (n == 1)
                {
                    await gate.Task;
                    throw new InvalidOperationException("the first run fails");
                }

                return $"fails-once {n}";
            }).CacheResponse();
            app.MapGet("/abandoned", async (HttpContext ctx, CallCounter c) =>
            {
                var n = c.Next("abandoned");
                if (n == 1)
                {
                    await gate.Task.WaitAsync(ctx.RequestAborted);
                }

                return $"abandoned {n}";
            }).CacheResponse();
        });

    [Fact]
    public async Task Get_ConcurrentMissesOfOneKey_RunTheEndpointOnceAndAllGetTheSameResponse()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(gate);
        using var metrics = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendAsync(HttpMethod.Get, "/slow")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["slow"] == 1 && metrics.StampedeJoins == Concurrency - 1, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(bodies, b => Assert.Equal("slow 1", b));
        Assert.Single(responses.Select(r => r.Headers.ETag!.Tag).Distinct());
        Assert.Equal(1, host.Calls["slow"]);
        Assert.Equal("slow 1", await host.GetStringAsync("/slow"));
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_ConcurrentMissesWhoseOwnerSetsACookie_EachWaiterRunsTheEndpointAndGetsOnlyItsOwnCookie()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(gate);
        using var metrics = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendAsync(HttpMethod.Get, "/private")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["private"] == 1 && metrics.StampedeJoins == Concurrency - 1, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.Equal(Concurrency, host.Calls["private"]);
        var seen = new HashSet<string>();
        foreach (var response in responses)
        {
            var body = await response.Content.ReadAsStringAsync();
            var run = body["private ".Length..];
            var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
            Assert.StartsWith($"session=secret-{run};", cookie, StringComparison.Ordinal);
            Assert.True(seen.Add(run), "two responses carried the same run: " + run);
        }

        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_ConcurrentMissesWhoseOwnerBodyIsTooLarge_EachWaiterRunsTheEndpointAndGetsItsOwnBody()
    {
        const int Waiting = 4;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(gate);
        using var metrics = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Waiting + 1).Select(_ => host.SendAsync(HttpMethod.Get, "/big")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["big"] == 1 && metrics.StampedeJoins == Waiting, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsByteArrayAsync()));
        Assert.Equal(Waiting + 1, host.Calls["big"]);
        Assert.All(bodies, b => Assert.Equal(640 * 1024, b.Length));
        Assert.Equal(Waiting + 1, bodies.Select(b => b[0]).Distinct().Count());
        Assert.All(bodies, b => Assert.True(b.AsSpan().IndexOfAnyExcept(b[0]) < 0, "a body mixes two runs"));
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_OwnerRunThrows_OwnerGets500AndEachWaiterRunsTheEndpointItself()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(gate);
        using var metrics = new EngineMetrics(host.App.Services);

        var requests = Enumerable.Range(0, Concurrency).Select(_ => host.SendAsync(HttpMethod.Get, "/fails-once")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => host.Calls["fails-once"] == 1 && metrics.StampedeJoins == Concurrency - 1, "every request joined the run");
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.InternalServerError);
        Assert.Equal(Concurrency - 1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(Concurrency, host.Calls["fails-once"]);
        DisposeAll(responses);
    }

    [Fact]
    public async Task Get_OwnerClientDisconnects_WaitersStillGetAResponse()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(gate);
        using var metrics = new EngineMetrics(host.App.Services);
        using var ownerCancellation = new CancellationTokenSource();

        var owner = host.Client.GetAsync("/abandoned", ownerCancellation.Token);
        await EngineMetrics.WaitUntilAsync(() => host.Calls["abandoned"] == 1, "the owner's run started");
        var waiters = Enumerable.Range(0, Concurrency - 1).Select(_ => host.SendAsync(HttpMethod.Get, "/abandoned")).ToArray();
        await EngineMetrics.WaitUntilAsync(() => metrics.StampedeJoins == Concurrency - 1, "every waiter joined the run");
        await ownerCancellation.CancelAsync();
        var responses = await Task.WhenAll(waiters);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => owner);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.DoesNotContain("abandoned 1", bodies);
        DisposeAll(responses);
    }

    private static void DisposeAll(IEnumerable<HttpResponseMessage> responses)
    {
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
