using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Stampede;

public sealed class StampedeTests
{
    [Fact]
    public async Task GetOrCreateAsync_ThousandConcurrentCallersOfColdKey_RunsFactoryOnceAndAllGetItsValue()
    {
        const int callers = 1000;
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<string>();
        var arrived = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var pending = sut.Cache.GetOrCreateAsync("hot", factory.RunAsync);
            Interlocked.Increment(ref arrived);
            return await pending;
        })).ToArray();
        start.SetResult();

        // Every caller has joined before the factory is allowed to finish.
        await Eventually.HoldsAsync(() => Volatile.Read(ref arrived) == callers, "all callers to have called GetOrCreateAsync");
        var produced = new string('v', 3);
        factory.Release(produced);
        var results = await Task.WhenAll(calls).WaitAsync(Eventually.Limit);

        Assert.Equal(1, factory.Calls);
        Assert.All(results, r => Assert.Same(produced, r));
        Assert.Equal(callers - 1, sut.Metrics.Sum(HybridCacheKitDiagnostics.StampedeJoins));
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.FactoryRuns));
    }

    [Fact]
    public async Task GetOrCreateAsync_ConcurrentCallersWithL2_ReadAndWriteL2OnceForAll()
    {
        var l2 = ChaosDistributedCache.Wrap(new BufferDistributedCache());
        using var sut = CacheUnderTest.Create(l2: l2);
        var factory = new GatedFactory<string>();
        var calls = Enumerable.Range(0, 100).Select(_ => sut.Cache.GetOrCreateAsync("hot", factory.RunAsync).AsTask()).ToArray();
        await factory.Started.WaitAsync(Eventually.Limit);

        factory.Release("value");
        var results = await Task.WhenAll(calls).WaitAsync(Eventually.Limit);

        Assert.All(results, r => Assert.Equal("value", r));
        Assert.Equal(1, factory.Calls);
        Assert.Equal(1, l2.GetCalls);
        Assert.Equal(1, l2.SetCalls);
    }

    [Fact]
    public async Task GetOrCreateAsync_ConcurrentCallersOfDifferentKeys_RunsOneFactoryPerKeyInParallel()
    {
        using var sut = CacheUnderTest.Create();
        var first = new GatedFactory<int>();
        var second = new GatedFactory<int>();

        var a = sut.Cache.GetOrCreateAsync("key-a", first.RunAsync).AsTask();
        var b = sut.Cache.GetOrCreateAsync("key-b", second.RunAsync).AsTask();

        // Both runs are in progress at the same time: one key does not wait for another.
        await Task.WhenAll(first.Started, second.Started).WaitAsync(Eventually.Limit);
        second.Release(2);
        Assert.Equal(2, await b.WaitAsync(Eventually.Limit));
        Assert.False(a.IsCompleted);
        first.Release(1);
        Assert.Equal(1, await a.WaitAsync(Eventually.Limit));
        Assert.Equal(0, sut.Metrics.Sum(HybridCacheKitDiagnostics.StampedeJoins));
    }

    [Fact]
    public async Task GetOrCreateAsync_SameKeyWithDifferentFlags_RunsSeparately()
    {
        using var sut = CacheUnderTest.Create();
        var plain = new GatedFactory<int>();
        var flagged = new GatedFactory<int>();
        var flags = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead };

        var a = sut.Cache.GetOrCreateAsync("key", plain.RunAsync).AsTask();
        var b = sut.Cache.GetOrCreateAsync("key", flagged.RunAsync, flags).AsTask();

        await Task.WhenAll(plain.Started, flagged.Started).WaitAsync(Eventually.Limit);
        plain.Release(1);
        flagged.Release(2);

        Assert.Equal(1, await a.WaitAsync(Eventually.Limit));
        Assert.Equal(2, await b.WaitAsync(Eventually.Limit));
        Assert.Equal(1, plain.Calls);
        Assert.Equal(1, flagged.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_SameKeyInFlightAsAnotherType_ThrowsInvalidOperationNamingBothTypes()
    {
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<int>();
        var running = sut.Cache.GetOrCreateAsync("key", factory.RunAsync).AsTask();
        await factory.Started.WaitAsync(Eventually.Limit);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("text")));

        Assert.Contains(typeof(int).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(string).FullName!, error.Message, StringComparison.Ordinal);
        factory.Release(42);
        Assert.Equal(42, await running.WaitAsync(Eventually.Limit));
    }
}
