using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;

namespace HybridCacheKit.Tests.Stampede;

public sealed class StampedeFailureTests
{
    [Fact]
    public async Task GetOrCreateAsync_FactoryThrowsWithCallersWaiting_EveryCallerGetsTheExceptionAndNothingIsCached()
    {
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<int>();
        var calls = Enumerable.Range(0, 5).Select(_ => sut.Cache.GetOrCreateAsync("key", factory.RunAsync).AsTask()).ToArray();
        await factory.Started.WaitAsync(Eventually.Limit);

        var failure = new InvalidDataException("backend down");
        factory.Fail(failure);

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => call.WaitAsync(Eventually.Limit));
            Assert.Same(failure, error);
        }

        Assert.Equal(1, factory.Calls);
        Assert.Equal(1, sut.Metrics.Sum(HybridCacheKitDiagnostics.FactoryErrors));
        var retries = 0;
        var value = await sut.Cache.GetOrCreateAsync("key", _ =>
        {
            retries++;
            return ValueTask.FromResult(5);
        });
        Assert.Equal(5, value);
        Assert.Equal(1, retries);
    }
}
