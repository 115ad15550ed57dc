using HybridCacheKit.Tests.Behaviour;
using HybridCacheKit.TestUtilities.Chaos;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Stampede;

/// <summary>
/// A change made on this instance while a run of the same key (or any run, for a tag) is in progress: the run may hold
/// the old value (its factory, or its L2 read, started before the change). Before, only changes announced by other
/// instances detached such runs: the run then put the old value back into L1 after this instance's own SetAsync or
/// RemoveAsync had returned, and callers arriving after the change joined it and got the old value.
/// </summary>
public sealed class LocalChangeDuringRunTests
{
    private static readonly HybridCacheEntryOptions s_options = new() { Expiration = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task SetAsync_WhileARunOfTheKeyIsInProgress_TheRunDoesNotOverwriteL1AndLaterCallersDoNotJoinIt()
    {
        using var sut = CacheUnderTest.Create();
        var run = new GatedFactory<string>();
        var inFlight = sut.Cache.GetOrCreateAsync("key", run.RunAsync, s_options).AsTask();
        await run.Started;

        await sut.Cache.SetAsync("key", "new", s_options);
        var afterSet = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options).AsTask();
        run.Release("old");

        Assert.Equal("old", await inFlight);      // its call overlapped the change
        Assert.Equal("new", await afterSet);      // came after it: never the old value
        Assert.Equal("new", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
    }

    [Fact]
    public async Task SetAsync_WhileARunOfTheKeyIsInProgress_TheRunDoesNotOverwriteTheNewValueInL2()
    {
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var other = CacheUnderTest.Create(l2: l2);
        var run = new GatedFactory<string>();
        var inFlight = sut.Cache.GetOrCreateAsync("key", run.RunAsync, s_options).AsTask();
        await run.Started;

        await sut.Cache.SetAsync("key", "new", s_options);
        run.Release("old");
        await inFlight;

        Assert.Equal("new", await other.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
    }

    [Fact]
    public async Task RemoveAsync_WhileARunOfTheKeyIsInProgress_TheRemovedValueIsNotPutBackIntoL1()
    {
        using var sut = CacheUnderTest.Create();
        var run = new GatedFactory<string>();
        var inFlight = sut.Cache.GetOrCreateAsync("key", run.RunAsync, s_options).AsTask();
        await run.Started;

        await sut.Cache.RemoveAsync("key");
        run.Release("old");
        await inFlight;

        Assert.Equal("fresh", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_options));
    }

    [Fact]
    public async Task RemoveByTagAsync_WhileATaggedRunIsInProgress_CallersAfterItDoNotGetTheRunsValue()
    {
        using var sut = CacheUnderTest.Create();
        var run = new GatedFactory<string>();
        var inFlight = sut.Cache.GetOrCreateAsync("key", run.RunAsync, s_options, ["t"]).AsTask();
        await run.Started;

        await sut.Cache.RemoveByTagAsync("t");
        var afterInvalidation = sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("fresh"), s_options, ["t"]).AsTask();
        run.Release("old");

        Assert.Equal("old", await inFlight);
        Assert.Equal("fresh", await afterInvalidation);

        // The old run may still have stored its value; created before the invalidation, it is never served.
        Assert.NotEqual("old", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("again"), s_options, ["t"]));
    }

    [Theory]
    [InlineData(HybridCacheEntryFlags.None, HybridCacheEntryFlags.DisableLocalCacheRead, HybridCacheEntryFlags.DisableCompression)]
    [InlineData(HybridCacheEntryFlags.DisableCompression, HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableCompression, (HybridCacheEntryFlags)64)]
    public async Task SetAsync_WhileRunsOfTheKeyWithDifferentFlagsAreInProgress_NoneOfThemOverwritesTheNewValue(
        HybridCacheEntryFlags first, HybridCacheEntryFlags second, HybridCacheEntryFlags third)
    {
        // Each flags combination has a run of its own; a change must find every one of them, including flags with
        // undefined bits.
        var l2 = new BufferDistributedCache();
        using var sut = CacheUnderTest.Create(l2: l2);
        using var other = CacheUnderTest.Create(l2: l2);
        var runs = new[] { first, second, third }.Select(flags => (Run: new GatedFactory<string>(), Options: new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(5), Flags = flags })).ToArray();
        var inFlight = runs.Select(r => sut.Cache.GetOrCreateAsync("key", r.Run.RunAsync, r.Options).AsTask()).ToArray();
        await Task.WhenAll(runs.Select(r => r.Run.Started));

        await sut.Cache.SetAsync("key", "new", s_options);
        foreach (var (run, _) in runs)
        {
            run.Release("old");
        }

        await Task.WhenAll(inFlight);
        Assert.Equal("new", await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
        Assert.Equal("new", await other.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult("factory"), s_options));
    }
}
