using System.Buffers;
using System.Text;
using System.Text.Json;
using HybridCacheKit.Serialization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.Tests.Serialization;

public class HybridCacheKitBuilderSerializerExtensionsTests
{
    private static (IHybridCacheKitBuilder Builder, ServiceCollection Services) NewBuilder()
    {
        var services = new ServiceCollection();
        return (services.AddHybridCacheKit(), services);
    }

    private static SerializerRegistry Registry(IServiceCollection services)
    {
        var provider = services.BuildServiceProvider();
        return new SerializerRegistry(provider, provider.GetRequiredService<IOptions<HybridCacheKitOptions>>().Value);
    }

    private static string Output<T>(IHybridCacheSerializer<T> serializer, T value)
    {
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, writer);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    private static int Count<TService>(IServiceCollection services) => services.Count(d => d.ServiceType == typeof(TService));

    [Fact]
    public void AddSerializer_CalledTwice_OneRegistrationAndLastWins()
    {
        var (builder, services) = NewBuilder();

        var returned = builder.AddSerializer<Person>(new MarkerSerializer<Person>("one")).AddSerializer<Person>(new MarkerSerializer<Person>("two"));

        Assert.Same(builder, returned);
        Assert.Equal(1, Count<IHybridCacheSerializer<Person>>(services));
        Assert.Equal("two", Output(Registry(services).GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void AddSerializerOfImplementation_CalledTwice_OneRegistrationBuiltByProvider()
    {
        var (builder, services) = NewBuilder();

        builder.AddSerializer<Person, PersonSerializer>().AddSerializer<Person, PersonSerializer>();

        Assert.Equal(1, Count<IHybridCacheSerializer<Person>>(services));
        Assert.IsType<PersonSerializer>(Registry(services).GetSerializer<Person>());
    }

    [Fact]
    public void AddSerializer_ForType_BeatsFactoriesAndContexts()
    {
        var (builder, services) = NewBuilder();

        builder.AddSerializer<Person>(new MarkerSerializer<Person>("specific"))
            .AddSerializerFactory(new MarkerFactory("factory", typeof(Person)))
            .AddJsonSerializerContext(TestJsonContext.Default);

        Assert.Equal("specific", Output(Registry(services).GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void AddSerializerFactory_SameInstanceTwice_RegisteredOnce()
    {
        var (builder, services) = NewBuilder();
        var factory = new MarkerFactory("f", typeof(Person));

        var returned = builder.AddSerializerFactory(factory).AddSerializerFactory(factory);

        Assert.Same(builder, returned);
        Assert.Equal(1, Count<IHybridCacheSerializerFactory>(services));
    }

    [Fact]
    public void AddSerializerFactory_SameInstanceAgainAfterAnother_MovesToFront()
    {
        var (builder, services) = NewBuilder();
        var first = new MarkerFactory("first", typeof(Person));

        builder.AddSerializerFactory(first).AddSerializerFactory(new MarkerFactory("second", typeof(Person))).AddSerializerFactory(first);

        Assert.Equal(2, Count<IHybridCacheSerializerFactory>(services));
        Assert.Equal("first", Output(Registry(services).GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void AddSerializerFactoryOfType_CalledTwice_RegisteredOnceAndUsed()
    {
        var (builder, services) = NewBuilder();

        builder.AddSerializerFactory<MarkerFactory>().AddSerializerFactory<MarkerFactory>();

        Assert.Equal(1, Count<IHybridCacheSerializerFactory>(services));
        Assert.Equal("generic-factory", Output(Registry(services).GetSerializer<Person>(), new Person()));
    }

    [Fact]
    public void AddJsonSerializerContext_CalledTwice_RegisteredOnceAndHandlesOnlyContextTypes()
    {
        var (builder, services) = NewBuilder();

        builder.AddJsonSerializerContext(TestJsonContext.Default).AddJsonSerializerContext(TestJsonContext.Default);
        var registry = Registry(services);

        Assert.Equal(1, Count<IHybridCacheSerializerFactory>(services));
        Assert.Same(TestJsonContext.Default.ContextOnlyPoco, Assert.IsType<JsonHybridCacheSerializer<ContextOnlyPoco>>(registry.GetSerializer<ContextOnlyPoco>()).TypeInfo);
        Assert.NotSame(TestJsonContext.Default.Options, Assert.IsType<JsonHybridCacheSerializer<NotInAnyContext>>(registry.GetSerializer<NotInAnyContext>()).TypeInfo.Options);
    }

    [Fact]
    public void AddJsonSerializerContext_TwoContexts_LastAddedAskedFirst()
    {
        var (builder, services) = NewBuilder();

        builder.AddJsonSerializerContext(TestJsonContext.Default).AddJsonSerializerContext(SnakeCaseJsonContext.Default);
        var registry = Registry(services);

        Assert.Equal("{\"first_name\":\"Ada\",\"age\":1}", Output(registry.GetSerializer<Person>(), new Person { FirstName = "Ada", Age = 1 }));
        Assert.Same(TestJsonContext.Default.ContextOnlyPoco, Assert.IsType<JsonHybridCacheSerializer<ContextOnlyPoco>>(registry.GetSerializer<ContextOnlyPoco>()).TypeInfo);
    }

    [Fact]
    public void WithJsonSerializerOptions_CalledTwice_LastOptionsUsed()
    {
        var (builder, services) = NewBuilder();
        var camel = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        var kebab = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower };

        var returned = builder.WithJsonSerializerOptions(camel).WithJsonSerializerOptions(kebab);

        Assert.Same(builder, returned);
        Assert.Equal("{\"first-name\":\"Ada\",\"age\":1}", Output(Registry(services).GetSerializer<Person>(), new Person { FirstName = "Ada", Age = 1 }));
    }

    [Fact]
    public void WithJsonSerializerOptions_SetsOptionsProperty()
    {
        var (builder, services) = NewBuilder();
        var json = new JsonSerializerOptions();

        builder.WithJsonSerializerOptions(json);

        Assert.Same(json, services.BuildServiceProvider().GetRequiredService<IOptions<HybridCacheKitOptions>>().Value.JsonSerializerOptions);
    }

    [Fact]
    public void AddHybridCacheKitCalledAgain_EarlierSerializerRegistrationsKept()
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit().AddJsonSerializerContext(SnakeCaseJsonContext.Default);

        services.AddHybridCacheKit().AddSerializer<string>(new MarkerSerializer<string>("s"));
        var registry = Registry(services);

        Assert.Equal("{\"first_name\":null,\"age\":0}", Output(registry.GetSerializer<Person>(), new Person()));
        Assert.Equal("s", Output(registry.GetSerializer<string>(), "x"));
    }

    [Fact]
    public void Extensions_NullArguments_Throw()
    {
        var (builder, _) = NewBuilder();

        Assert.Throws<ArgumentNullException>(() => builder.AddSerializer<Person>(null!));
        Assert.Throws<ArgumentNullException>(() => builder.AddSerializerFactory(null!));
        Assert.Throws<ArgumentNullException>(() => builder.AddJsonSerializerContext(null!));
        Assert.Throws<ArgumentNullException>(() => builder.WithJsonSerializerOptions(null!));
        Assert.Throws<ArgumentNullException>(() => ((IHybridCacheKitBuilder)null!).AddSerializerFactory<MarkerFactory>());
    }

    [Fact]
    public void AddSerializerFactory_KeyedFactoryPresent_IgnoredAndNotThrowing()
    {
        var (builder, services) = NewBuilder();
        services.AddKeyedSingleton<IHybridCacheSerializerFactory>("other", new MarkerFactory("keyed", typeof(Person)));

        builder.AddSerializerFactory(new MarkerFactory("plain", typeof(Person))).AddSerializerFactory<MarkerFactory>();

        Assert.Equal("generic-factory", Output(Registry(services).GetSerializer<Person>(), new Person()));
    }
}
