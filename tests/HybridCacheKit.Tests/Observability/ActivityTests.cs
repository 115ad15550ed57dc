using System.Collections.Concurrent;
using System.Diagnostics;
using HybridCacheKit.Diagnostics;
using HybridCacheKit.Tests.Behaviour;

namespace HybridCacheKit.Tests.Observability;

public sealed class ActivityTests
{
    [Fact]
    public async Task GetOrCreateAsync_FactoryRun_CurrentActivityIsGetOrCreateChildOfCallerActivity()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HybridCacheKitDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var sut = CacheUnderTest.Create();
        using var caller = new Activity("test.caller").Start();
        Activity? inFactory = null;

        await sut.Cache.GetOrCreateAsync("key", _ =>
        {
            inFactory = Activity.Current;
            return ValueTask.FromResult(1);
        });

        Assert.NotNull(inFactory);
        Assert.Equal("hybridcache.get_or_create", inFactory.OperationName);
        Assert.Equal(HybridCacheKitDiagnostics.ActivitySourceName, inFactory.Source.Name);
        Assert.Same(caller, inFactory.Parent);
        Assert.Equal(caller.TraceId, inFactory.TraceId);
        Assert.Same(caller, Activity.Current);
        Assert.Contains(stopped, a => ReferenceEquals(a, inFactory));
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryThrows_ActivityEndsWithErrorStatus()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HybridCacheKitDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var sut = CacheUnderTest.Create();
        using var caller = new Activity("test.caller").Start();

        await Assert.ThrowsAsync<InvalidDataException>(
            async () => await sut.Cache.GetOrCreateAsync<int>("key", _ => throw new InvalidDataException("down")));

        var run = Assert.Single(stopped, a => a.ParentSpanId == caller.SpanId);
        Assert.Equal(ActivityStatusCode.Error, run.Status);
    }
}
