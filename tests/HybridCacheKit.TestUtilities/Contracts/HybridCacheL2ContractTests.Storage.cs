using System.Text;
using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;
using Xunit;

namespace HybridCacheKit.TestUtilities.Contracts;

// What reaches the L2, seen in its raw state: flags, compression, the size limit, and fresh instances of mutable
// values read from it.
public abstract partial class HybridCacheL2ContractTests
{
    [Fact]
    public async Task GetOrCreateAsync_DisableDistributedCacheWrite_RawKeyAbsentButLocalCopyServed()
    {
        var (a, _, l2) = await CreatePairAsync();
        var key = NewKey();
        var factory = new CountingFactory<string>(n => $"v{n}");

        var first = await a.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableDistributedCacheWrite));
        var second = await a.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Null(await l2.GetAsync(key));
        Assert.Equal("v1", first);
        Assert.Equal("v1", second);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_DisableDistributedCacheWrite_RawKeyAbsent()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();

        await a.SetAsync(key, "local only", With(HybridCacheEntryFlags.DisableDistributedCacheWrite));

        Assert.Null(await l2.GetAsync(key));
        Assert.Equal("local only", (await a.TryGetAsync<string>(key)).Value);
        Assert.False((await b.TryGetAsync<string>(key)).Found);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableDistributedCache_NeitherReadsNorWritesL2()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        var otherKey = NewKey("other");
        await a.SetAsync(key, "in L2");
        var factory = new CountingFactory<string>(n => $"b{n}");

        var ignoringL2 = await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableDistributedCache));
        var notWritten = await b.GetOrCreateAsync(otherKey, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableDistributedCache));

        Assert.Equal("b1", ignoringL2);
        Assert.Equal("b2", notWritten);
        Assert.Equal(2, factory.Calls);
        Assert.Null(await l2.GetAsync(otherKey));
        Assert.Equal("in L2", (await a.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableLocalCacheRead))).Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableDistributedCacheRead_RunsFactoryAndOverwritesL2()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        await a.SetAsync(key, "from-a");
        var before = await l2.GetAsync(key);
        var factory = new CountingFactory<string>("from-b");

        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableDistributedCacheRead));

        Assert.Equal("from-b", value);
        Assert.Equal(1, factory.Calls);
        Assert.NotEqual(before, await l2.GetAsync(key));
        Assert.Equal("from-b", (await a.TryGetAsync<string>(key, With(HybridCacheEntryFlags.DisableLocalCacheRead))).Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_DisableLocalCache_ReadsL2OnEveryCall()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var factory = new CountingFactory<string>("factory");
        var noLocal = With(HybridCacheEntryFlags.DisableLocalCache);
        await a.SetAsync(key, "v1");

        var first = await b.GetOrCreateAsync(key, factory.InvokeAsync, noLocal);
        await a.SetAsync(key, "v2");
        var second = await b.GetOrCreateAsync(key, factory.InvokeAsync, noLocal);

        Assert.Equal("v1", first);
        Assert.Equal("v2", second);
        Assert.Equal(0, factory.Calls);
    }

    [Theory]
    [InlineData(true, HybridCacheEntryFlags.None, true)]
    [InlineData(true, HybridCacheEntryFlags.DisableCompression, false)]
    [InlineData(false, HybridCacheEntryFlags.None, false)]
    public async Task SetAsync_LargeCompressibleValue_CompressedOnlyWhenEnabledAndNotDisabled(bool enableCompression, HybridCacheEntryFlags flags, bool expectCompressed)
    {
        var (a, b, l2) = await CreatePairAsync(o => o.EnableCompression = enableCompression);
        var key = NewKey();
        var value = string.Concat(Enumerable.Repeat("HybridCacheKit compresses repetitive payloads. ", 2000));
        var payloadBytes = Encoding.UTF8.GetByteCount(value);

        await a.SetAsync(key, value, With(flags));
        var raw = await l2.GetAsync(key);
        var readByB = await b.GetOrCreateAsync(key, new CountingFactory<string>("factory").InvokeAsync);

        Assert.NotNull(raw);
        Assert.Equal(expectCompressed, IsCompressed(raw));
        if (expectCompressed)
        {
            Assert.True(raw.Length < payloadBytes / 4, $"Expected a compressed entry well under {payloadBytes} bytes; got {raw.Length}.");
        }
        else
        {
            Assert.True(raw.Length > payloadBytes, $"Expected an uncompressed entry over {payloadBytes} bytes; got {raw.Length}.");
        }

        Assert.Equal(value, readByB);
    }

    [Fact]
    public async Task SetAsync_CompressionOnSmallValue_StoredUncompressed()
    {
        var (a, b, l2) = await CreatePairAsync(o => o.EnableCompression = true);
        var key = NewKey();
        var value = new string('a', 200);

        await a.SetAsync(key, value);
        var raw = await l2.GetAsync(key);

        Assert.NotNull(raw);
        Assert.False(IsCompressed(raw));
        Assert.Equal(value, (await b.TryGetAsync<string>(key)).Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_OversizedValue_ReturnedButNotStored()
    {
        var (a, b, l2) = await CreatePairAsync(o => o.MaximumPayloadBytes = 1024);
        var key = NewKey();
        var factoryA = new CountingFactory<string>(n => new string((char)('a' + n), 4096));
        var factoryB = new CountingFactory<string>(new string('b', 4096));

        var first = await a.GetOrCreateAsync(key, factoryA.InvokeAsync);
        var second = await a.GetOrCreateAsync(key, factoryA.InvokeAsync);
        var fromB = await b.GetOrCreateAsync(key, factoryB.InvokeAsync);

        Assert.Equal(new string('b', 4096), first);
        Assert.Equal(new string('c', 4096), second);
        Assert.Equal(2, factoryA.Calls);
        Assert.Equal(1, factoryB.Calls);
        Assert.Equal(new string('b', 4096), fromB);
        Assert.Null(await l2.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_OversizedValue_NotStored()
    {
        var (a, b, l2) = await CreatePairAsync(o => o.MaximumPayloadBytes = 1024);
        var key = NewKey();

        await a.SetAsync(key, new ContractWidget { Id = 1, Name = new string('x', 4096) });

        Assert.Null(await l2.GetAsync(key));
        Assert.False((await a.TryGetAsync<ContractWidget>(key)).Found);
        Assert.False((await b.TryGetAsync<ContractWidget>(key)).Found);
    }

    [Fact]
    public async Task GetOrCreateAsync_MutableValueReadFromL2_EachCallGetsItsOwnEqualInstance()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var original = new ContractWidget { Id = 5, Name = "five", Parts = ["p"] };
        await a.SetAsync(key, original);
        var factory = new CountingFactory<ContractWidget>(new ContractWidget());

        var viaL2 = await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead));
        var viaL2Again = await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead));
        viaL2.Name = "mutated";
        viaL2.Parts.Add("added");
        var viaL1 = await b.GetOrCreateAsync(key, factory.InvokeAsync);
        var viaL1Again = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(0, factory.Calls);
        Assert.NotSame(viaL2, viaL2Again);
        Assert.NotSame(viaL1, viaL1Again);
        Assert.NotSame(viaL2Again, viaL1);
        Assert.True(original.HasSameContentAs(viaL2Again));
        Assert.True(original.HasSameContentAs(viaL1));
        Assert.True(original.HasSameContentAs(viaL1Again));
    }
}
