using HybridCacheKit.Tests.Behaviour;

namespace HybridCacheKit.Tests.Stampede;

public sealed class StampedeCancellationTests
{
    [Fact]
    public async Task GetOrCreateAsync_OneOfSeveralCallersCancels_OnlyThatCallerIsCancelledAndTheRunContinues()
    {
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<int>();
        using var quitter = new CancellationTokenSource();
        using var stayer1 = new CancellationTokenSource();
        using var stayer2 = new CancellationTokenSource();

        var cancelled = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, cancellationToken: quitter.Token).AsTask();
        var first = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, cancellationToken: stayer1.Token).AsTask();
        var second = sut.Cache.GetOrCreateAsync("key", factory.RunAsync, cancellationToken: stayer2.Token).AsTask();
        await factory.Started.WaitAsync(Eventually.Limit);

        await quitter.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Eventually.Limit));
        Assert.False(factory.Token.IsCancellationRequested);
        factory.Release(7);
        Assert.Equal(7, await first.WaitAsync(Eventually.Limit));
        Assert.Equal(7, await second.WaitAsync(Eventually.Limit));
        Assert.False(factory.Token.IsCancellationRequested);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_EveryCallerCancels_CancelsTheFactoryToken()
    {
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<int>();
        var sources = Enumerable.Range(0, 3).Select(_ => new CancellationTokenSource()).ToArray();
        var calls = sources.Select(s => sut.Cache.GetOrCreateAsync("key", factory.RunAsync, cancellationToken: s.Token).AsTask()).ToArray();
        await factory.Started.WaitAsync(Eventually.Limit);

        for (var i = 0; i < sources.Length - 1; i++)
        {
            await sources[i].CancelAsync();
        }

        Assert.False(factory.Token.IsCancellationRequested);
        await sources[^1].CancelAsync();

        await factory.TokenCancelled.WaitAsync(Eventually.Limit);
        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Eventually.Limit));
        }

        foreach (var source in sources)
        {
            source.Dispose();
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_AfterEveryCallerOfARunCancelled_NewCallerStartsFreshRunThatSucceeds()
    {
        using var sut = CacheUnderTest.Create();
        var abandoned = new GatedFactory<int>();
        using (var source = new CancellationTokenSource())
        {
            var call = sut.Cache.GetOrCreateAsync("key", abandoned.RunAsync, cancellationToken: source.Token).AsTask();
            await abandoned.Started.WaitAsync(Eventually.Limit);
            await source.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Eventually.Limit));
        }

        await abandoned.TokenCancelled.WaitAsync(Eventually.Limit);

        var fresh = new GatedFactory<int>();
        var next = sut.Cache.GetOrCreateAsync("key", fresh.RunAsync).AsTask();
        await fresh.Started.WaitAsync(Eventually.Limit);
        fresh.Release(9);

        Assert.Equal(9, await next.WaitAsync(Eventually.Limit));
        Assert.False(fresh.Token.IsCancellationRequested);
        Assert.Equal(9, await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(-1)));
    }
}
