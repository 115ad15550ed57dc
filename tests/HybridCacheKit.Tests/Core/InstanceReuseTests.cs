using HybridCacheKit.TestUtilities.Factories;

namespace HybridCacheKit.Tests.Core;

public sealed class InstanceReuseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_String_SameInstanceOnEveryHit(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var produced = new string('s', 10);

        var first = await host.Cache.GetOrCreateAsync(key, new CountingFactory<string>(produced).InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, new CountingFactory<string>("other").InvokeAsync);
        var third = await host.Cache.GetOrCreateAsync(key, new CountingFactory<string>("other").InvokeAsync);

        Assert.Same(produced, first);
        Assert.Same(produced, second);
        Assert.Same(produced, third);
    }

    [Fact]
    public async Task GetOrCreateAsync_Int_SameValueOnEveryHit()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<int>(n => 1000 + n);

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(1001, first);
        Assert.Equal(1001, second);
        Assert.Equal(1, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_SealedImmutableRecord_SameInstanceOnEveryHit(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var produced = new ImmutableRecord(1, "one");

        var first = await host.Cache.GetOrCreateAsync(key, new CountingFactory<ImmutableRecord>(produced).InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, new CountingFactory<ImmutableRecord>(new ImmutableRecord(2, "two")).InvokeAsync);
        var third = await host.Cache.GetOrCreateAsync(key, new CountingFactory<ImmutableRecord>(new ImmutableRecord(3, "three")).InvokeAsync);

        Assert.Same(produced, first);
        Assert.Same(produced, second);
        Assert.Same(produced, third);
    }

    [Fact]
    public async Task GetOrCreateAsync_SealedImmutableRecordFromL2_OneInstanceSharedByLaterHits()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, new ImmutableRecord(1, "one"));
        var sibling = host.CreateSibling();
        var factory = new CountingFactory<ImmutableRecord>(new ImmutableRecord(0, "factory"));

        var first = await sibling.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await sibling.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(new ImmutableRecord(1, "one"), first);
        Assert.Same(first, second);
        Assert.Equal(0, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_MutableClass_NewInstanceOnEveryHit(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var produced = new MutableWidget { Id = 1, Name = "original", Values = [1, 2] };
        var factory = new CountingFactory<MutableWidget>(produced);

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        first.Name = "mutated by caller";
        first.Values.Add(3);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        second.Id = 99;
        var third = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Same(produced, first);
        Assert.NotSame(first, second);
        Assert.NotSame(second, third);
        Assert.Equal("original", second.Name);
        Assert.Equal(new[] { 1, 2 }, second.Values);
        Assert.Equal(1, third.Id);
        Assert.Equal("original", third.Name);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_MutableClassChangedAfterSet_CachedCopyUnaffected()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var widget = new MutableWidget { Id = 1, Name = "as set" };

        await host.Cache.SetAsync(key, widget);
        widget.Name = "changed after set";
        var cached = await host.Cache.GetOrCreateAsync(key, new CountingFactory<MutableWidget>(new MutableWidget()).InvokeAsync);

        Assert.NotSame(widget, cached);
        Assert.Equal("as set", cached.Name);
    }

    [Fact]
    public async Task GetOrCreateAsync_UnsealedClassMarkedImmutable_TreatedAsMutable()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<UnsealedImmutableClass>(new UnsealedImmutableClass { Id = 7 });

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.NotSame(first, second);
        Assert.Equal(7, second.Id);
        Assert.Equal(1, factory.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_ReuseMutableInstances_SameInstanceOnEveryHit(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2(o => o.ReuseMutableInstances = true) : CacheHost.Create(o => o.ReuseMutableInstances = true);
        var key = Keys.New();
        var produced = new MutableWidget { Id = 1, Name = "shared" };
        var factory = new CountingFactory<MutableWidget>(produced);

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Same(produced, first);
        Assert.Same(produced, second);
        Assert.Equal(1, factory.Calls);
    }
}
