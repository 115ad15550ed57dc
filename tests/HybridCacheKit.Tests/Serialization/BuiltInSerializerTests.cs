using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HybridCacheKit.Serialization;

namespace HybridCacheKit.Tests.Serialization;

public class BuiltInSerializerTests
{
    private static readonly JsonSerializerOptions s_options = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static JsonHybridCacheSerializer<T> Json<T>(JsonSerializerOptions? options = null)
        => new((JsonTypeInfo<T>)(options ?? s_options).GetTypeInfo(typeof(T)));

    private static byte[] Serialize<T>(Microsoft.Extensions.Caching.Hybrid.IHybridCacheSerializer<T> serializer, T value)
    {
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, writer);
        return writer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("héllo wörld 😀 日本語")]
    public void StringSerializer_RoundTripThroughSegments_SameString(string value)
    {
        var bytes = Serialize(StringSerializer.Instance, value);

        Assert.Equal(Encoding.UTF8.GetBytes(value), bytes);
        Assert.Equal(value, StringSerializer.Instance.Deserialize(Segments.Split(bytes, 1)));
        Assert.Equal(value, StringSerializer.Instance.Deserialize(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void StringSerializer_Null_WritesNothing()
        => Assert.Empty(Serialize(StringSerializer.Instance, null!));

    [Fact]
    public void ByteArraySerializer_Deserialize_ReturnsCopyNotSharedBuffer()
    {
        var bytes = new byte[] { 1, 2, 3, 4, 5 };

        var first = ByteArraySerializer.Instance.Deserialize(new ReadOnlySequence<byte>(bytes));
        var second = ByteArraySerializer.Instance.Deserialize(Segments.Split(bytes, 2));

        Assert.Equal(bytes, first);
        Assert.Equal(bytes, second);
        Assert.NotSame(bytes, first);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void ByteArraySerializer_Serialize_WritesBytesAsTheyAre()
    {
        Assert.Equal([0, 255, 7], Serialize(ByteArraySerializer.Instance, [0, 255, 7]));
        Assert.Empty(Serialize(ByteArraySerializer.Instance, null!));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void JsonSerializer_DeserializeMultiSegmentSequence_ReturnsValue(int segmentLength)
    {
        var serializer = Json<Dictionary<string, Person>>();
        var value = new Dictionary<string, Person> { ["a"] = new() { FirstName = "Ada 😀", Age = 36 }, ["b"] = new() { FirstName = "Bob", Age = 7 } };
        var bytes = Serialize(serializer, value);

        var read = serializer.Deserialize(Segments.Split(bytes, segmentLength));

        Assert.Equal("Ada 😀", read["a"].FirstName);
        Assert.Equal(7, read["b"].Age);
    }

    [Theory]
    [InlineData("{\"FirstName\":\"Ada\"} x")]
    [InlineData("{\"FirstName\":\"Ada\"}{}")]
    [InlineData("{\"FirstName\":")]
    [InlineData("not json")]
    [InlineData("")]
    public void JsonSerializer_DeserializeInvalidJson_ThrowsJsonExceptionOnBothPaths(string json)
    {
        var serializer = Json<Person>();
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.ThrowsAny<JsonException>(() => serializer.Deserialize(new ReadOnlySequence<byte>(bytes)));
        Assert.ThrowsAny<JsonException>(() => serializer.Deserialize(Segments.Split(bytes, 2)));
    }

    [Fact]
    public void JsonSerializer_DeserializeWithTrailingWhitespace_Succeeds()
    {
        var bytes = "{\"FirstName\":\"Ada\"}  \n"u8.ToArray();

        Assert.Equal("Ada", Json<Person>().Deserialize(Segments.Split(bytes, 4)).FirstName);
    }

    [Fact]
    public void JsonSerializer_SerializeRepeatedlyOnOneThread_SameBytesEachTime()
    {
        var serializer = Json<Person>();
        var person = new Person { FirstName = "Ada", Age = 36 };

        var outputs = Enumerable.Range(0, 5).Select(_ => Serialize(serializer, person)).ToList();

        Assert.All(outputs, o => Assert.Equal("{\"FirstName\":\"Ada\",\"Age\":36}", Encoding.UTF8.GetString(o)));
    }

    [Fact]
    public void JsonSerializer_SerializeAfterFailedSerialization_OutputIsClean()
    {
        var serializer = Json<Exploding>();
        Assert.Throws<InvalidOperationException>(() => Serialize(serializer, new Exploding { Explode = true }));

        Assert.Equal("{\"Before\":1,\"Explode\":false,\"Value\":2}", Encoding.UTF8.GetString(Serialize(serializer, new Exploding())));
    }

    [Fact]
    public void JsonSerializer_NestedSerializationWithSameOptionsOnSameThread_BothOutputsCorrect()
    {
        // A converter that serializes through another cache serializer sharing the same options, mid-write: the
        // nested call must not take the writer the outer call is using.
        var converter = new NestingConverter();
        var options = new JsonSerializerOptions { TypeInfoResolver = new DefaultJsonTypeInfoResolver(), Converters = { converter } };
        var inner = Json<Person>(options);
        converter.Inner = inner;
        var outer = Json<Wrapper>(options);
        var innerBytes = Serialize(inner, new Person { FirstName = "x", Age = 1 }); // parks a writer for these options

        var bytes = Serialize(outer, new Wrapper { Name = "w" });

        Assert.Equal("{\"FirstName\":\"x\",\"Age\":1}", Encoding.UTF8.GetString(innerBytes));
        Assert.Equal("{\"Name\":\"w\",\"Inner\":\"{\\u0022FirstName\\u0022:\\u0022nested\\u0022,\\u0022Age\\u0022:2}\"}", Encoding.UTF8.GetString(bytes));
        Assert.Equal(bytes, Serialize(outer, new Wrapper { Name = "w" }));
    }

    [Fact]
    public void JsonSerializer_WriterOptionsFollowSerializerOptions_Indented()
    {
        var serializer = Json<Person>(new JsonSerializerOptions { TypeInfoResolver = new DefaultJsonTypeInfoResolver(), WriteIndented = true, IndentSize = 1 });

        Assert.Equal("{\n \"FirstName\": \"Ada\",\n \"Age\": 0\n}", Encoding.UTF8.GetString(Serialize(serializer, new Person { FirstName = "Ada" })).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void JsonSerializer_SerializeManyThreads_AllOutputsCorrect()
    {
        var serializer = Json<Person>();

        Parallel.For(0, 2000, i =>
        {
            var json = Encoding.UTF8.GetString(Serialize(serializer, new Person { FirstName = "p" + i, Age = i }));
            Assert.Equal($"{{\"FirstName\":\"p{i}\",\"Age\":{i}}}", json);
        });
    }

    public sealed class Exploding
    {
        public int Before { get; set; } = 1;

        public bool Explode { get; set; }

        public int Value => Explode ? throw new InvalidOperationException("boom") : 2;
    }

    public sealed class Wrapper
    {
        public string? Name { get; set; }

        public Inner Inner { get; set; } = new();
    }

    public sealed class Inner;

    /// <summary>Serializes a nested value through another cache serializer, on the same thread, mid-write.</summary>
    private sealed class NestingConverter : JsonConverter<Inner>
    {
        public JsonHybridCacheSerializer<Person>? Inner { get; set; }

        public override Inner Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, Inner value, JsonSerializerOptions options)
            => writer.WriteStringValue(Encoding.UTF8.GetString(Serialize(Inner!, new Person { FirstName = "nested", Age = 2 })));
    }
}
