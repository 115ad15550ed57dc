using System.Buffers;
using System.Text;
using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Core;

public sealed class PayloadAndTypeTests
{
    private const int EventIdPayloadTooLarge = 1002;

    [Fact]
    public async Task GetOrCreateAsync_OversizedMutableValueL1Only_ReturnedNotCachedAndLogged()
    {
        await using var host = CacheHost.Create(o => o.MaximumPayloadBytes = 256);
        var key = Keys.New();
        var factory = new CountingFactory<MutableWidget>(n => new MutableWidget { Id = n, Name = new string('x', 1000) });

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(1, first.Id);
        Assert.Equal(1000, first.Name!.Length);
        Assert.Equal(2, second.Id);
        Assert.Equal(2, factory.Calls);
        var entries = host.Logs.WithEventId(EventIdPayloadTooLarge);
        Assert.Equal(2, entries.Count);
        Assert.Contains("256", entries[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxx", entries[0].FullText, StringComparison.Ordinal);
        Assert.DoesNotContain(key, entries[0].FullText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrCreateAsync_OversizedStringWithL2_ReturnedNotStoredAnywhere()
    {
        await using var host = CacheHost.CreateWithL2(o => o.MaximumPayloadBytes = 256);
        var key = Keys.New();
        var factory = new CountingFactory<string>(n => new string((char)('a' + n), 1000));

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(new string('b', 1000), first);
        Assert.Equal(new string('c', 1000), second);
        Assert.Equal(2, factory.Calls);
        Assert.Null(host.RawL2(key));
        Assert.Equal(2, host.Logs.WithEventId(EventIdPayloadTooLarge).Count);
    }

    [Fact]
    public async Task GetOrCreateAsync_ValueAtPayloadLimit_IsCached()
    {
        await using var host = CacheHost.CreateWithL2(o => o.MaximumPayloadBytes = 256);
        var key = Keys.New();
        var factory = new CountingFactory<string>(new string('a', 256));

        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(1, factory.Calls);
        Assert.NotNull(host.RawL2(key));
        Assert.Empty(host.Logs.WithEventId(EventIdPayloadTooLarge));
    }

    [Fact]
    public async Task GetOrCreateAsync_LargeImmutableValueL1Only_CachedBecauseNeverSerialized()
    {
        await using var host = CacheHost.Create(o => o.MaximumPayloadBytes = 256);
        var key = Keys.New();
        var factory = new CountingFactory<string>(new string('a', 1000));

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Same(first, second);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_OversizedValueOverExistingEntry_OldValueNoLongerServed()
    {
        await using var host = CacheHost.CreateWithL2(o => o.MaximumPayloadBytes = 256);
        var key = Keys.New();
        await host.Cache.SetAsync(key, "small old value");

        await host.Cache.SetAsync(key, new string('n', 1000));

        // The cache could not keep the new value; serving the value it replaced would be a stale read.
        Assert.False((await host.Cache.TryGetAsync<string>(key)).Found);
        Assert.False((await host.CreateSibling().TryGetAsync<string>(key)).Found);
    }

    [Fact]
    public async Task SetAsync_UnserializableValueOverExistingEntry_OldValueNoLongerServed()
    {
        await using var host = CacheHost.CreateWithL2(services: s => s.AddSingleton<IHybridCacheSerializer<MutableWidget>>(new RefusingSerializer()));
        var key = Keys.New();
        await host.Cache.SetAsync(key, new MutableWidget { Name = "old" });

        await host.Cache.SetAsync(key, new MutableWidget { Name = RefusingSerializer.Refused });

        Assert.Single(host.Logs.WithEventId(1012));
        Assert.False((await host.Cache.TryGetAsync<MutableWidget>(key)).Found);
        Assert.False((await host.CreateSibling().TryGetAsync<MutableWidget>(key)).Found);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_CachedAsOtherType_ThrowsInvalidOperationNamingBothTypes(bool useTryGet)
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, 42);
        var factory = new CountingFactory<string>("text");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            if (useTryGet)
            {
                await host.Cache.TryGetAsync<string>(key);
            }
            else
            {
                await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
            }
        });

        Assert.Contains(typeof(int).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(string).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, factory.Calls);
        Assert.Equal(42, await host.Cache.GetOrCreateAsync(key, new CountingFactory<int>(-1).InvokeAsync));
    }

    /// <summary>Writes the name; throws for <see cref="Refused"/>.</summary>
    private sealed class RefusingSerializer : IHybridCacheSerializer<MutableWidget>
    {
        public const string Refused = "cannot be serialized";

        public MutableWidget Deserialize(ReadOnlySequence<byte> source) => new() { Name = Encoding.UTF8.GetString(source.ToArray()) };

        public void Serialize(MutableWidget value, IBufferWriter<byte> target)
        {
            if (value.Name == Refused)
            {
                throw new NotSupportedException(Refused);
            }

            target.Write(Encoding.UTF8.GetBytes(value.Name ?? string.Empty));
        }
    }
}
