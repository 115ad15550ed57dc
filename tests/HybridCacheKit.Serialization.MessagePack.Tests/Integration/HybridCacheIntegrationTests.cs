using System.Buffers.Binary;
using System.Collections.Immutable;
using HybridCacheKit.Serialization.MessagePack.Tests.Mapping;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Integration;

/// <summary>The serializer inside the engine: AddHybridCacheKit().AddMessagePackSerializer() over an in-memory L2.</summary>
public sealed class HybridCacheIntegrationTests
{
    [Fact]
    public async Task GetOrCreate_Dto_L2PayloadIsMessagePackAndSecondInstanceReadsIt()
    {
        var l2 = new ServiceCollection().AddDistributedMemoryCache().BuildServiceProvider().GetRequiredService<IDistributedCache>();
        await using var first = Build(l2);
        await using var second = Build(l2);
        var order = Samples.Order();

        var created = await first.GetRequiredService<HybridCache>().GetOrCreateAsync("order:1", _ => ValueTask.FromResult(order));
        var payload = EnvelopePayload(await l2.GetAsync("order:1"), "order:1");
        var factoryRuns = 0;
        var read = await second.GetRequiredService<HybridCache>().GetOrCreateAsync("order:1", _ =>
        {
            factoryRuns++;
            return ValueTask.FromResult(new GenOrder());
        });

        Assert.Same(order, created);
        Assert.Equal(Mp.Serialize(order), payload);
        Assert.Equal(0x80 | 13, payload[0]); // a fixmap of the 13 serialized members ([MessagePackIgnore] leaves one out)
        Assert.Equal(0, factoryRuns);
        Assert.Equal(Mp.Serialize(order), Mp.Serialize(read));
    }

    [Fact]
    public async Task GetOrCreate_GetOnlyCollections_SecondInstanceReadsThemPopulated()
    {
        var l2 = new ServiceCollection().AddDistributedMemoryCache().BuildServiceProvider().GetRequiredService<IDistributedCache>();
        await using var first = Build(l2);
        await using var second = Build(l2);
        var order = new GetOnlyOrder { Id = 3 };
        order.Lines.Add(new GetOnlyLine { Sku = "A-1", Quantity = 2 });
        order.Meta["gift"] = "yes";
        var generated = new GenGetOnlyOrder { Id = 4 };
        generated.Lines.Add(new GenGetOnlyLine { Sku = "B-2", Quantity = 1 });

        await first.GetRequiredService<HybridCache>().SetAsync("order:3", order);
        await first.GetRequiredService<HybridCache>().SetAsync("order:4", generated);
        var factoryRuns = 0;
        var read = await ReadAsync<GetOnlyOrder>("order:3");
        var readGenerated = await ReadAsync<GenGetOnlyOrder>("order:4");

        // Before: the lists were not written, and the second instance served orders without lines, with no error.
        Assert.Equal(Mp.Serialize(order), EnvelopePayload(await l2.GetAsync("order:3"), "order:3"));
        Assert.Equal(0, factoryRuns);
        Assert.Equal([("A-1", 2)], read.Lines.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal(order.Meta, read.Meta);
        Assert.Equal([("B-2", 1)], readGenerated.Lines.Select(l => (l.Sku, l.Quantity)));

        ValueTask<T> ReadAsync<T>(string key)
            where T : new()
            => second.GetRequiredService<HybridCache>().GetOrCreateAsync(key, _ =>
            {
                factoryRuns++;
                return ValueTask.FromResult(new T());
            });
    }

    [Fact]
    public async Task GetOrCreate_GetOnlyCollectionNullAfterConstruction_MissAndFactoryValue()
    {
        var l2 = new ServiceCollection().AddDistributedMemoryCache().BuildServiceProvider().GetRequiredService<IDistributedCache>();
        await using var first = Build(l2);
        await using var second = Build(l2);
        var cached = new GenLazyItems { Id = 1 };
        cached.Add(5);
        var fresh = new GenLazyItems { Id = 2 };
        fresh.Add(6);

        await first.GetRequiredService<HybridCache>().SetAsync("lazy", cached);
        var factoryRuns = 0;
        var read = await second.GetRequiredService<HybridCache>().GetOrCreateAsync("lazy", _ =>
        {
            factoryRuns++;
            return ValueTask.FromResult(fresh);
        });

        // A new GenLazyItems has no list to put [5] in: the read fails, the engine counts a miss and calls the factory,
        // instead of serving Id 1 without its items.
        Assert.Equal(1, factoryRuns);
        Assert.Same(fresh, read);
    }

    [Fact]
    public async Task GetOrCreate_TypesMessagePackDeclines_SecondInstanceReadsExactValueThroughJson()
    {
        var l2 = new ServiceCollection().AddDistributedMemoryCache().BuildServiceProvider().GetRequiredService<IDistributedCache>();
        await using var first = Build(l2);
        await using var second = Build(l2);
        var list = new DeclinedTypeTests.IntList { 1, 2, 3 };
        var holder = new DeclinedTypeTests.HoldsLinkedList { Id = 7, Items = new([4, 5]) };
        var immutable = ImmutableArray.Create("a", "b");

        await first.GetRequiredService<HybridCache>().SetAsync("list", list);
        await first.GetRequiredService<HybridCache>().SetAsync("holder", holder);
        await first.GetRequiredService<HybridCache>().SetAsync("immutable", immutable);
        var cache = second.GetRequiredService<HybridCache>();
        var listCopy = await cache.GetOrCreateAsync("list", _ => ValueTask.FromResult(new DeclinedTypeTests.IntList()));
        var holderCopy = await cache.GetOrCreateAsync("holder", _ => ValueTask.FromResult(new DeclinedTypeTests.HoldsLinkedList()));
        var immutableCopy = await cache.GetOrCreateAsync("immutable", _ => ValueTask.FromResult(ImmutableArray<string>.Empty));

        // The MessagePack factory declined them, so the engine's JSON fallback wrote them, and read them back exactly.
        Assert.Equal("[1,2,3]"u8.ToArray(), EnvelopePayload(await l2.GetAsync("list"), "list"));
        Assert.Equal((byte)'{', EnvelopePayload(await l2.GetAsync("holder"), "holder")[0]);
        Assert.Equal([1, 2, 3], listCopy);
        Assert.Equal(7, holderCopy.Id);
        Assert.Equal([4, 5], holderCopy.Items);
        Assert.Equal(["a", "b"], immutableCopy.ToArray());
    }

    [Fact]
    public async Task Set_StringValue_KeepsBuiltInUtf8()
    {
        var l2 = new ServiceCollection().AddDistributedMemoryCache().BuildServiceProvider().GetRequiredService<IDistributedCache>();
        await using var services = Build(l2);

        await services.GetRequiredService<HybridCache>().SetAsync("s", "plain text");

        Assert.Equal("plain text"u8.ToArray(), EnvelopePayload(await l2.GetAsync("s"), "s"));
    }

    [Fact]
    public async Task Set_StringAndBytesWithEncodeOption_MessagePackStrAndBinReadBack()
    {
        var l2 = new ServiceCollection().AddDistributedMemoryCache().BuildServiceProvider().GetRequiredService<IDistributedCache>();
        await using var first = Build(l2, o => o.EncodeStringAndByteArrayValues = true);
        await using var second = Build(l2, o => o.EncodeStringAndByteArrayValues = true);

        await first.GetRequiredService<HybridCache>().SetAsync("s", "Zoë");
        await first.GetRequiredService<HybridCache>().SetAsync("b", new byte[] { 1, 2 });

        Assert.Equal(Hex.Parse("a4 5a6fc3ab"), EnvelopePayload(await l2.GetAsync("s"), "s"));
        Assert.Equal(Hex.Parse("c402 0102"), EnvelopePayload(await l2.GetAsync("b"), "b"));
        Assert.Equal("Zoë", await second.GetRequiredService<HybridCache>().GetOrCreateAsync("s", _ => ValueTask.FromResult("factory")));
        Assert.Equal([1, 2], await second.GetRequiredService<HybridCache>().GetOrCreateAsync("b", _ => ValueTask.FromResult(Array.Empty<byte>())));
    }

    [Fact]
    public void AddMessagePackSerializer_CalledTwice_OneFactoryWithLatestOptions()
    {
        var services = new ServiceCollection();
        var builder = services.AddHybridCacheKit();

        builder.AddMessagePackSerializer(o => o.MaxDepth = 10).AddMessagePackSerializer(o => o.MaxDepth = 20);

        var factories = services.Where(d => d.ServiceType == typeof(IHybridCacheSerializerFactory)).ToList();
        var factory = Assert.IsType<MessagePackHybridCacheSerializerFactory>(Assert.Single(factories).ImplementationInstance);
        Assert.Equal(20, factory.Options.MaxDepth);
    }

    [Fact]
    public void AddMessagePackSerializer_BadLimit_FailsAtRegistrationNamingIt()
    {
        var builder = new ServiceCollection().AddHybridCacheKit();

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddMessagePackSerializer(o => o.MaxCollectionLength = -1));

        Assert.Equal("MaxCollectionLength", ex.ParamName);
    }

    private static ServiceProvider Build(IDistributedCache l2, Action<MessagePackSerializerOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(l2);
        services.AddHybridCacheKit().AddMessagePackSerializer(configure);
        return services.BuildServiceProvider();
    }

    /// <summary>The payload of an L2 envelope (docs/wire-format.md): after the header, key and tags, before the CRC.</summary>
    private static byte[] EnvelopePayload(byte[]? envelope, string key)
    {
        Assert.NotNull(envelope);
        Assert.Equal("HCK"u8.ToArray(), envelope[..3]);
        Assert.Equal(0, envelope[4]); // no compression
        var position = 33;
        var keyLength = (int)VarUInt(envelope, ref position);
        Assert.Equal(key, System.Text.Encoding.UTF8.GetString(envelope, position, keyLength));
        position += keyLength;
        for (var tags = VarUInt(envelope, ref position); tags > 0; tags--)
        {
            position += (int)VarUInt(envelope, ref position);
        }

        var length = (int)VarUInt(envelope, ref position);
        Assert.Equal(envelope.Length - 4, position + length);
        Assert.Equal((uint)envelope.Length, BinaryPrimitives.ReadUInt32LittleEndian(envelope.AsSpan(5)));
        return envelope[position..(position + length)];
    }

    private static uint VarUInt(byte[] data, ref int position)
    {
        uint value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (uint)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
