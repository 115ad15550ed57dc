using System.Runtime.CompilerServices;
using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

public sealed class GetOrCreateOverloadTests
{
    [Fact]
    public async Task GetOrCreateAsync_Stateless_RunsFactoryOnceThenHits()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => $"v{n}");

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", first);
        Assert.Equal("v1", second);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_WithState_PassesStateAndHitsWithoutFactory()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var state = new object();
        object? seen = null;
        var calls = 0;

        var first = await host.Cache.GetOrCreateAsync(key, state, (s, _) =>
        {
            seen = s;
            calls++;
            return ValueTask.FromResult(42);
        });
        var second = await host.Cache.GetOrCreateAsync(key, new object(), (_, _) =>
        {
            calls++;
            return ValueTask.FromResult(-1);
        });

        Assert.Same(state, seen);
        Assert.Equal(42, first);
        Assert.Equal(42, second);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_SpanKey_SharesEntryWithStringKey()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var padded = $"<<{key}>>";
        var factory = new CountingFactory<string>(n => $"v{n}");

        var viaSpan = await host.Cache.GetOrCreateAsync(padded.AsSpan(2, key.Length), factory.InvokeAsync);
        var viaString = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", viaSpan);
        Assert.Equal("v1", viaString);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_SpanKeyWithState_ReturnsValueSetUnderStringKey()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "set");
        var calls = 0;

        var value = await host.Cache.GetOrCreateAsync(key.AsSpan(), 7, (_, _) =>
        {
            calls++;
            return ValueTask.FromResult("factory");
        });

        Assert.Equal("set", value);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_InterpolatedKey_SharesEntryWithStringKey()
    {
        await using var host = CacheHost.Create();
        var id = Guid.NewGuid();
        var factory = new CountingFactory<string>(n => $"v{n}");

        var viaInterpolation = await host.Cache.GetOrCreateAsync($"user:{id}:{42}", factory.InvokeAsync);
        var viaString = await host.Cache.GetOrCreateAsync("user:" + id + ":42", factory.InvokeAsync);

        Assert.Equal("v1", viaInterpolation);
        Assert.Equal("v1", viaString);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_InterpolatedStringHandlerKey_SharesEntryWithStringKey()
    {
        await using var host = CacheHost.Create();
        var id = Guid.NewGuid();
        await host.Cache.SetAsync($"order:{id}", 99);
        var handler = new DefaultInterpolatedStringHandler(6, 1);
        handler.AppendLiteral("order:");
        handler.AppendFormatted(id);
        var calls = 0;

        var value = await host.Cache.GetOrCreateAsync(ref handler, "state", (_, _) =>
        {
            calls++;
            return ValueTask.FromResult(-1);
        });

        Assert.Equal(99, value);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_InterpolatedKeyWithState_RunsFactoryWithState()
    {
        await using var host = CacheHost.Create();
        var id = Guid.NewGuid();

        var first = await host.Cache.GetOrCreateAsync($"item:{id}", 21, (s, _) => ValueTask.FromResult(s * 2));
        var second = await host.Cache.GetOrCreateAsync("item:" + id, 0, (_, _) => ValueTask.FromResult(-1));

        Assert.Equal(42, first);
        Assert.Equal(42, second);
    }

    [Fact]
    public async Task GetOrCreateAsync_FactoryThrows_PropagatesAndCachesNothing()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await host.Cache.GetOrCreateAsync<string>(key, _ => throw new InvalidOperationException("boom")));
        var factory = new CountingFactory<string>("recovered");
        var value = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("boom", error.Message);
        Assert.Equal("recovered", value);
        Assert.Equal(1, factory.Calls);
    }

    // The stateless overload is not virtual in HybridCache: it hands the factory on as state, so a null one can
    // only surface when a miss runs it. The overloads the engine implements reject it up front.
    [Fact]
    public async Task GetOrCreateAsync_NullFactory_ThrowsArgumentNullException()
    {
        await using var host = CacheHost.Create();

        await Assert.ThrowsAsync<ArgumentNullException>(async () =>
            await host.Cache.GetOrCreateAsync(Keys.New(), 1, (Func<int, CancellationToken, ValueTask<int>>)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () =>
            await host.Cache.GetOrCreateAsync(Keys.New(), (Func<HybridCacheFactoryContext, CancellationToken, ValueTask<int>>)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () =>
            await host.Cache.GetOrCreateAsync(Keys.New(), 1, (Func<int, HybridCacheFactoryContext, CancellationToken, ValueTask<int>>)null!));
    }

    [Fact]
    public async Task GetOrCreateAsync_WithL2_SiblingInstanceGetsValueWithoutFactory()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.GetOrCreateAsync(key, new CountingFactory<string>("first").InvokeAsync);
        var sibling = host.CreateSibling();
        var factory = new CountingFactory<string>("second");

        var value = await sibling.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("first", value);
        Assert.Equal(0, factory.Calls);
    }
}
