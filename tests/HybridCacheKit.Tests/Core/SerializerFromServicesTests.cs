using System.Buffers;
using System.Text;
using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Core;

public sealed class SerializerFromServicesTests
{
    [Fact]
    public async Task GetOrCreateAsync_SerializerRegisteredForType_UsedForL1Copies()
    {
        var serializer = new CountingWidgetSerializer();
        await using var host = CacheHost.Create(services: s => s.AddSingleton<IHybridCacheSerializer<MutableWidget>>(serializer));
        var key = Keys.New();

        await host.Cache.GetOrCreateAsync(key, new CountingFactory<MutableWidget>(new MutableWidget { Id = 1, Name = "one" }).InvokeAsync);
        var hit = await host.Cache.GetOrCreateAsync(key, new CountingFactory<MutableWidget>(new MutableWidget()).InvokeAsync);

        Assert.Equal(1, serializer.Serialized);
        Assert.Equal(1, serializer.Deserialized);
        Assert.Equal("one (via custom serializer)", hit.Name);
    }

    [Fact]
    public async Task GetOrCreateAsync_SerializerRegisteredForType_WritesItsFormatToL2()
    {
        var serializer = new CountingWidgetSerializer();
        await using var host = CacheHost.CreateWithL2(services: s => s.AddSingleton<IHybridCacheSerializer<MutableWidget>>(serializer));
        var key = Keys.New();

        await host.Cache.SetAsync(key, new MutableWidget { Id = 7, Name = "seven" });
        var raw = host.RawL2(key);

        Assert.NotNull(raw);
        Assert.Contains("W|7|seven", Encoding.UTF8.GetString(raw), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrCreateAsync_SerializerFactoryRegistered_UsedForItsTypes()
    {
        var serializer = new CountingWidgetSerializer();
        await using var host = CacheHost.Create(services: s => s.AddSingleton<IHybridCacheSerializerFactory>(new WidgetSerializerFactory(serializer)));
        var key = Keys.New();

        await host.Cache.SetAsync(key, new MutableWidget { Id = 2, Name = "two" });
        var hit = await host.Cache.GetOrCreateAsync(key, new CountingFactory<MutableWidget>(new MutableWidget()).InvokeAsync);
        await host.Cache.SetAsync(Keys.New("other type"), new ImmutableRecord(1, "json"));

        Assert.Equal(1, serializer.Serialized);
        Assert.Equal(1, serializer.Deserialized);
        Assert.Equal("two (via custom serializer)", hit.Name);
    }

    private sealed class CountingWidgetSerializer : IHybridCacheSerializer<MutableWidget>
    {
        private int _serialized;
        private int _deserialized;

        public int Serialized => Volatile.Read(ref _serialized);

        public int Deserialized => Volatile.Read(ref _deserialized);

        public MutableWidget Deserialize(ReadOnlySequence<byte> source)
        {
            Interlocked.Increment(ref _deserialized);
            var parts = Encoding.UTF8.GetString(source.ToArray()).Split('|');
            return new MutableWidget { Id = int.Parse(parts[1]), Name = parts[2] + " (via custom serializer)" };
        }

        public void Serialize(MutableWidget value, IBufferWriter<byte> target)
        {
            Interlocked.Increment(ref _serialized);
            target.Write(Encoding.UTF8.GetBytes($"W|{value.Id}|{value.Name}"));
        }
    }

    private sealed class WidgetSerializerFactory(CountingWidgetSerializer serializer) : IHybridCacheSerializerFactory
    {
        public bool TryCreateSerializer<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHybridCacheSerializer<T>? result)
        {
            result = serializer as IHybridCacheSerializer<T>;
            return result is not null;
        }
    }
}
