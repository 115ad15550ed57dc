using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HybridCacheKit.Serialization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Tests.Serialization;

public class SerializerRegistryTests
{
    private static SerializerRegistry Registry(Action<IServiceCollection>? configure = null, JsonSerializerOptions? json = null)
    {
        var services = new ServiceCollection();
        configure?.Invoke(services);
        return new SerializerRegistry(services.BuildServiceProvider(), new HybridCacheKitOptions { JsonSerializerOptions = json });
    }

    private static string Output<T>(IHybridCacheSerializer<T> serializer, T value)
    {
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, writer);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    [Fact]
    public void GetSerializer_TypeSpecificAndFactoryRegistered_TypeSpecificWins()
    {
        var registry = Registry(s =>
        {
            s.AddSingleton<IHybridCacheSerializerFactory>(new MarkerFactory("factory", typeof(Person)));
            s.AddSingleton<IHybridCacheSerializer<Person>>(new MarkerSerializer<Person>("specific"));
        });

        Assert.Equal("specific", Output(registry.GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void GetSerializer_TwoFactoriesHandleType_LastRegisteredWins()
    {
        var registry = Registry(s =>
        {
            s.AddSingleton<IHybridCacheSerializerFactory>(new MarkerFactory("first", typeof(Person)));
            s.AddSingleton<IHybridCacheSerializerFactory>(new MarkerFactory("second", typeof(Person)));
        });

        Assert.Equal("second", Output(registry.GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void GetSerializer_LastFactoryDeclines_EarlierFactoryUsed()
    {
        var first = new MarkerFactory("first", typeof(Person));
        var second = new MarkerFactory("second", typeof(int));
        var registry = Registry(s =>
        {
            s.AddSingleton<IHybridCacheSerializerFactory>(first);
            s.AddSingleton<IHybridCacheSerializerFactory>(second);
        });

        Assert.Equal("first", Output(registry.GetSerializer<Person>(), new Person()));
        Assert.Equal(1, second.Calls);
    }

    [Fact]
    public void GetSerializer_FactoryHandlesStringAndByteArray_FactoryBeatsBuiltIns()
    {
        var registry = Registry(s => s.AddSingleton<IHybridCacheSerializerFactory>(new MarkerFactory("factory", typeof(string), typeof(byte[]), typeof(Person))));

        Assert.Equal("factory", Output(registry.GetSerializer<string>(), "x"));
        Assert.Equal("factory", Output(registry.GetSerializer<byte[]>(), [1]));
        Assert.Equal("factory", Output(registry.GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void GetSerializer_String_UsesUtf8BuiltIn()
    {
        var serializer = Registry().GetSerializer<string>();

        Assert.IsType<StringSerializer>(serializer);
        Assert.Equal("héllo 😀", Output(serializer, "héllo 😀"));
    }

    [Fact]
    public void GetSerializer_ByteArray_UsesRawBuiltIn()
    {
        var serializer = Registry().GetSerializer<byte[]>();

        Assert.IsType<ByteArraySerializer>(serializer);
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize([1, 2, 255], writer);
        Assert.Equal([1, 2, 255], writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void GetSerializer_OtherTypeWithConfiguredOptions_JsonHonoursOptions()
    {
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        var serializer = Registry(json: json).GetSerializer<Person>();

        Assert.Equal("{\"firstName\":\"Ada\",\"age\":36}", Output(serializer, new Person { FirstName = "Ada", Age = 36 }));
        Assert.Same(json, Assert.IsType<JsonHybridCacheSerializer<Person>>(serializer).TypeInfo.Options);
    }

    [Fact]
    public void GetSerializer_NoOptionsConfigured_UsesGeneralDefaults()
    {
        var serializer = Registry().GetSerializer<Person>();

        Assert.Equal("{\"FirstName\":\"Ada\",\"Age\":36}", Output(serializer, new Person { FirstName = "Ada", Age = 36 }));
        Assert.Null(serializer.Deserialize(new ReadOnlySequence<byte>("{\"firstName\":\"Bob\"}"u8.ToArray())).FirstName); // General: names are case-sensitive
        Assert.ThrowsAny<JsonException>(() => serializer.Deserialize(new ReadOnlySequence<byte>("{\"Age\":\"7\"}"u8.ToArray()))); // and numbers are not read from strings
    }

    [Fact]
    public void GetSerializer_NoOptionsConfigured_ValueTupleKeepsItsFields()
    {
        var serializer = Registry().GetSerializer<(int Id, string Name)>();
        var writer = new ArrayBufferWriter<byte>();

        serializer.Serialize((42, "Ada"), writer);

        Assert.Equal((42, "Ada"), serializer.Deserialize(new ReadOnlySequence<byte>(writer.WrittenMemory)));
    }

    [Fact]
    public void GetSerializer_OptionsWithResolverLackingType_ThrowsNamingTypeAndRemedy()
    {
        var json = new JsonSerializerOptions { TypeInfoResolver = TestJsonContext.Default };
        var registry = Registry(json: json);

        var exception = Assert.Throws<InvalidOperationException>(() => registry.GetSerializer<NotInAnyContext>());

        Assert.Contains(typeof(NotInAnyContext).FullName!, exception.Message);
        Assert.Contains("AddSerializer", exception.Message);
        Assert.Contains("AddJsonSerializerContext", exception.Message);
    }

    [Fact]
    public void GetSerializer_OptionsWithEmptyResolver_ThrowsForEveryOtherTypeButBuiltInsStillWork()
    {
        var registry = Registry(json: new JsonSerializerOptions { TypeInfoResolver = JsonTypeInfoResolver.Combine() });

        Assert.Throws<InvalidOperationException>(() => registry.GetSerializer<Person>());
        Assert.Throws<InvalidOperationException>(() => registry.GetSerializer<int>());
        Assert.IsType<StringSerializer>(registry.GetSerializer<string>());
    }

    [Fact]
    public void GetSerializer_OptionsWithContextResolver_UsesContextMetadata()
    {
        var json = new JsonSerializerOptions { TypeInfoResolver = TestJsonContext.Default, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var serializer = Registry(json: json).GetSerializer<Person>();

        Assert.Equal("{\"first_name\":\"Ada\",\"age\":1}", Output(serializer, new Person { FirstName = "Ada", Age = 1 }));
        Assert.Same(json, Assert.IsType<JsonHybridCacheSerializer<Person>>(serializer).TypeInfo.Options);
    }

    [Fact]
    public void GetSerializer_CalledTwice_ReturnsCachedInstanceAndAsksFactoryOnce()
    {
        var factory = new MarkerFactory("factory", typeof(Person));
        var registry = Registry(s => s.AddSingleton<IHybridCacheSerializerFactory>(factory));

        var first = registry.GetSerializer<Person>();
        var second = registry.GetSerializer<Person>();

        Assert.Same(first, second);
        Assert.Equal(1, factory.Calls);
        Assert.Same(registry.GetSerializer<NotInAnyContext>(), registry.GetSerializer<NotInAnyContext>());
    }

    [Fact]
    public async Task GetSerializer_ConcurrentFirstCalls_AllGetSameInstance()
    {
        var registry = Registry();
        using var start = new Barrier(8);

        // Dedicated threads: eight pool threads on a two-core machine would take seconds to be injected.
        var serializers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return registry.GetSerializer<Dictionary<string, int[]>>();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        Assert.All(serializers, s => Assert.Same(serializers[0], s));
    }

    [Fact]
    public void GetSerializer_TypeSpecificRegisteredTwice_LastRegistrationWins()
    {
        var registry = Registry(s =>
        {
            s.AddSingleton<IHybridCacheSerializer<string>>(new MarkerSerializer<string>("one"));
            s.AddSingleton<IHybridCacheSerializer<string>>(new MarkerSerializer<string>("two"));
        });

        Assert.Equal("two", Output(registry.GetSerializer<string>(), "x"));
    }
}
