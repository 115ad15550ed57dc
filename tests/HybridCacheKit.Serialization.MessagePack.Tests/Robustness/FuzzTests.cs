using HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Robustness;

/// <summary>Random, truncated and mutated input: always a value or MessagePackSerializationException, never a crash or hang.</summary>
public sealed class FuzzTests
{
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Deserialize_RandomBytes_ValueOrMessagePackExceptionOnly(int seed)
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var random = new Random(seed);
            var order = Mp.Serializer<GenOrder>();
            var reflected = Mp.Serializer<AllPrimitives>();
            var collections = Mp.Serializer<Collections>();
            var dictionary = Mp.Serializer<Dictionary<string, List<int?>>>();
            for (var i = 0; i < 4000; i++)
            {
                var bytes = new byte[random.Next(0, 96)];
                random.NextBytes(bytes);

                // Half the inputs start with a map header, so decoding gets past the first byte more often.
                if (i % 2 == 0 && bytes.Length > 0)
                {
                    bytes[0] = (byte)(0x80 | (bytes[0] & 0x0f));
                }

                Untrusted.TryDeserialize(order, bytes);
                Untrusted.TryDeserialize(reflected, bytes);
                Untrusted.TryDeserialize(collections, bytes);
                Untrusted.TryDeserialize(dictionary, bytes);
                Untrusted.TrySkipAll(bytes);
            }
        });
    }

    [Fact]
    public async Task Deserialize_EveryTruncationOfValidPayloads_MessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var payload = Mp.Serialize(Samples.Order());
            var serializer = Mp.Serializer<GenOrder>();
            for (var length = 0; length < payload.Length; length++)
            {
                Assert.False(Untrusted.TryDeserialize(serializer, payload.AsSpan(0, length)), $"a {length}-byte prefix was accepted");
            }

            Assert.True(Untrusted.TryDeserialize(serializer, payload));

            var reflected = Mp.Serialize(new Collections { Array = [1], Dictionary = new() { ["k"] = 1 }, ReadOnlyList = [new PointStruct(1, 2)] });
            var reflectedSerializer = Mp.Serializer<Collections>();
            for (var length = 0; length < reflected.Length; length++)
            {
                Assert.False(Untrusted.TryDeserialize(reflectedSerializer, reflected.AsSpan(0, length)));
            }
        });
    }

    [Fact]
    public async Task Deserialize_EverySingleBitFlip_ValueOrMessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var payload = Mp.Serialize(Samples.Order());
            var serializer = Mp.Serializer<GenOrder>();
            var reflected = Mp.Serializer<AllPrimitives>();
            var primitives = Mp.Serialize(new AllPrimitives { Text = "abc", Bytes = [1], MaybeWhen = DateTime.UnixEpoch, Money = 1.5m });
            for (var position = 0; position < payload.Length; position++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    var mutated = (byte[])payload.Clone();
                    mutated[position] ^= (byte)(1 << bit);
                    Untrusted.TryDeserialize(serializer, mutated);
                }
            }

            for (var position = 0; position < primitives.Length; position++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    var mutated = (byte[])primitives.Clone();
                    mutated[position] ^= (byte)(1 << bit);
                    Untrusted.TryDeserialize(reflected, mutated);
                }
            }
        });
    }

    [Fact]
    public async Task Deserialize_RandomByteReplacements_ValueOrMessagePackException()
    {
        await Untrusted.WithinAsync(s_budget, () =>
        {
            var random = new Random(42);
            var payload = Mp.Serialize(Samples.Order());
            var serializer = Mp.Serializer<GenOrder>();
            for (var i = 0; i < 3000; i++)
            {
                var mutated = (byte[])payload.Clone();
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                }

                Untrusted.TryDeserialize(serializer, mutated);
            }
        });
    }
}
