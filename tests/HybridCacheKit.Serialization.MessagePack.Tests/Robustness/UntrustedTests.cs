using Xunit.Sdk;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Robustness;

/// <summary>The fuzz helper itself: it must fail on a crash hidden inside the serializer's wrapper, and on unbounded allocation.</summary>
public sealed class UntrustedTests
{
    [Fact]
    public void TryDeserialize_FormatterCrashWrappedBySerializer_FailsTheTest()
    {
        var serializer = new MessagePackHybridCacheSerializer<int>(new Crashing(), MessagePackSerializerOptions.Default);

        // The serializer turns the crash into its one exception type, as the engine needs; the helper must still see it.
        var wrapped = Assert.Throws<MessagePackSerializationException>(() => serializer.Deserialize(new([0x01])));
        Assert.IsType<IndexOutOfRangeException>(wrapped.InnerException);
        var failure = Assert.Throws<FailException>(() => Untrusted.TryDeserialize(serializer, [0x01]));
        Assert.Contains("IndexOutOfRangeException", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDeserialize_DecodeAllocatingBeyondTheBound_FailsTheTest()
    {
        var serializer = new MessagePackHybridCacheSerializer<int>(new Allocating(), MessagePackSerializerOptions.Default);

        var failure = Assert.Throws<TrueException>(() => Untrusted.TryDeserialize(serializer, [0x01]));
        Assert.Contains("over the bound", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDeserialize_MalformedOrInvalidUtf8_FalseWithoutFailing()
    {
        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<int>(), [0xc1]));
        Assert.False(Untrusted.TryDeserialize(Mp.Serializer<List<string>>(), Hex.Parse("91 a2 c328")));
        Assert.True(Untrusted.TryDeserialize(Mp.Serializer<int>(), [0x01]));
    }

    private sealed class Crashing : IMessagePackFormatter<int>
    {
        public void Serialize(ref MessagePackWriter writer, int value) => writer.Write(value);

        public int Deserialize(ref MessagePackReader reader)
        {
            int[] none = [];
            return none[reader.ReadInt32()];
        }
    }

    private sealed class Allocating : IMessagePackFormatter<int>
    {
        public void Serialize(ref MessagePackWriter writer, int value) => writer.Write(value);

        public int Deserialize(ref MessagePackReader reader) => new byte[1 << 20].Length + reader.ReadInt32();
    }
}
