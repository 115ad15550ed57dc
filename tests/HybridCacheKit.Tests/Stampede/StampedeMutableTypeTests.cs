using HybridCacheKit.Tests.Behaviour;

namespace HybridCacheKit.Tests.Stampede;

public sealed class StampedeMutableTypeTests
{
    [Fact]
    public async Task GetOrCreateAsync_MutableTypeWithConcurrentCallers_EachCallerGetsItsOwnEqualInstance()
    {
        using var sut = CacheUnderTest.Create();
        var factory = new GatedFactory<Basket>();
        var calls = Enumerable.Range(0, 4).Select(_ => sut.Cache.GetOrCreateAsync("basket", factory.RunAsync).AsTask()).ToArray();
        await factory.Started.WaitAsync(Eventually.Limit);

        var produced = new Basket { Owner = "ana", Items = ["apple", "pear"] };
        factory.Release(produced);
        var results = await Task.WhenAll(calls).WaitAsync(Eventually.Limit);

        Assert.Equal(1, factory.Calls);
        Assert.Equal(results.Length, results.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(results, r =>
        {
            Assert.Equal("ana", r.Owner);
            Assert.Equal(["apple", "pear"], r.Items);
        });

        // A caller mutating its copy changes nobody else's.
        results[0].Items.Add("plum");
        Assert.All(results.Skip(1), r => Assert.Equal(2, r.Items.Count));
    }

    public sealed class Basket
    {
        public string Owner { get; set; } = "";

        public List<string> Items { get; set; } = [];
    }
}
