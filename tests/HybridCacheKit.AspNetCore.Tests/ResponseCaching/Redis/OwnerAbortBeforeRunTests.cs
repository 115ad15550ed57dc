using System.Net;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Redis;

/// <summary>
/// The owner's client disconnects while its run still waits for another node's lock, before the endpoint ran: the run
/// reaches the endpoint with nobody to run it for. Node B runs on Kestrel on loopback, so the abort is a real closed
/// connection; node A holds the key's lock through a real run of its own.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class OwnerAbortBeforeRunTests(RedisServerFixture redis)
{
    private const int Waiters = 5;

    [Fact]
    public async Task Get_OwnerAbortsWhileItsRunWaitsForAnotherNodesLock_OneWaiterRunsTheEndpointAndTheOthersJoin()
    {
        var instance = RedisNodes.NewInstanceName();
        var nodeAGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finishedOnB = 0;
        await using var a = await RedisNodes.StartAsync(
            redis,
            instance,
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.UseDistributedResponseCache();

                // Holds the key's lock until the gate opens, then answers with a response that cannot be stored, so
                // node B's run finds nothing in L2 and goes on to its own endpoint.
                app.MapGet("/held", async (HttpContext ctx, CallCounter c) =>
                {
                    var n = c.Next("held");
                    await nodeAGate.Task;
                    ctx.Response.Cookies.Append("session", "a");
                    return $"held from A run {n}";
                }).CacheResponse();
            });
        await using var b = await RedisNodes.StartAsync(
            redis,
            instance,
            app =>
            {
                app.Use(async (ctx, next) =>
                {
                    try
                    {
                        await next(ctx);
                    }
                    finally
                    {
                        Interlocked.Increment(ref finishedOnB);
                    }
                });
                app.UseAuthentication();
                app.UseAuthorization();
                app.UseDistributedResponseCache();
                app.MapGet("/held", async (HttpContext ctx, CallCounter c) =>
                {
                    var n = c.Next("held");
                    await Task.Delay(1500, ctx.RequestAborted);
                    return $"held from B run {n}";
                }).CacheResponse();
            },
            kestrel: true);
        using var engineB = new EngineMetrics(b.App.Services);
        using var ownerClient = new CancellationTokenSource();

        var onA = a.SendAsync(HttpMethod.Get, "/held");
        await EngineMetrics.WaitUntilAsync(() => a.Calls["held"] == 1, "node A's run holds the key's lock");
        var owner = SendAsync(b, ownerClient.Token);
        await EngineMetrics.WaitUntilAsync(() => engineB.LockWaits >= 1, "node B's run waits for node A's lock");
        var waiters = Enumerable.Range(0, Waiters).Select(_ => SendAsync(b)).ToArray();
        await EngineMetrics.WaitUntilAsync(() => engineB.StampedeJoins == Waiters, "every waiter on node B joined the owner's run");
        await ownerClient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => owner);
        await EngineMetrics.WaitUntilAsync(() => Volatile.Read(ref finishedOnB) == 1, "node B ended the owner's request");
        nodeAGate.SetResult();
        using var fromA = await onA;
        var responses = await Task.WhenAll(waiters);

        Assert.Equal(HttpStatusCode.OK, fromA.StatusCode);
        Assert.True(b.Calls["held"] <= 2, $"node B ran the endpoint {b.Calls["held"]} times");
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.StartsWith("held from B run ", bodies[0], StringComparison.Ordinal);

        var ran = b.Calls["held"];
        using var later = await SendAsync(b);
        Assert.Equal(bodies[0], await later.Content.ReadAsStringAsync());
        Assert.Equal(ran, b.Calls["held"]);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    // The Host is part of the cache key: node B (on Kestrel) is asked for the same host node A (on TestServer) sees.
    private static Task<HttpResponseMessage> SendAsync(CacheTestHost node, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/held");
        request.Headers.Host = "localhost";
        return node.Client.SendAsync(request, cancellationToken);
    }
}
