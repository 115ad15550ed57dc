using System.Buffers;
using System.Text;
using HybridCacheKit.Serialization;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Serialization;

public class JsonSerializerContextSerializerFactoryTests
{
    [Fact]
    public void TryCreateSerializer_TypeInContext_ReturnsSerializerUsingContextMetadata()
    {
        var factory = new JsonSerializerContextSerializerFactory(SnakeCaseJsonContext.Default);

        Assert.True(factory.TryCreateSerializer<Person>(out var serializer));
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize(new Person { FirstName = "Ada", Age = 36 }, writer);

        Assert.Equal("{\"first_name\":\"Ada\",\"age\":36}", Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.Same(SnakeCaseJsonContext.Default.Person, Assert.IsType<JsonHybridCacheSerializer<Person>>(serializer).TypeInfo);
        Assert.Equal("Ada", serializer.Deserialize(new ReadOnlySequence<byte>(writer.WrittenMemory)).FirstName);
    }

    [Fact]
    public void TryCreateSerializer_TypeNotInContext_Declines()
    {
        var factory = new JsonSerializerContextSerializerFactory(TestJsonContext.Default);

        Assert.False(factory.TryCreateSerializer<NotInAnyContext>(out var serializer));
        Assert.Null(serializer);
        Assert.False(factory.TryCreateSerializer<Guid>(out _));
        Assert.False(factory.TryCreateSerializer<Dictionary<string, Person>>(out _));
    }

    [Fact]
    public void Constructor_NullContext_Throws()
        => Assert.Throws<ArgumentNullException>(() => new JsonSerializerContextSerializerFactory(null!));

    [Fact]
    public void TryCreateSerializer_AsFactoryInterface_HandlesContextTypesOnly()
    {
        IHybridCacheSerializerFactory factory = new JsonSerializerContextSerializerFactory(TestJsonContext.Default);

        Assert.True(factory.TryCreateSerializer<ContextOnlyPoco>(out _));
        Assert.False(factory.TryCreateSerializer<List<ContextOnlyPoco>>(out _));
    }
}
