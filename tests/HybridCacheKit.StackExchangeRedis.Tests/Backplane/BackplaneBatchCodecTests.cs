using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>The batch frame: several changes of one sender in one PUBLISH (docs/backplane.md, "Wire format").</summary>
public sealed class BackplaneBatchCodecTests
{
    private static readonly Guid s_sender = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    private static readonly HybridCacheBackplaneMessage[] s_two =
    [
        new(HybridCacheBackplaneMessageKind.KeyChanged, "k€", 0x0102030405060708),
        new(HybridCacheBackplaneMessageKind.TagInvalidated, "*", 9),
    ];

    [Fact]
    public void EncodeBatch_TwoChanges_MatchesGoldenBytes()
    {
        var bytes = BackplaneMessageCodec.EncodeBatch(s_two, s_sender);

        // version 1 | kind 0x42 | sender | count 2 (int64 LE) | [kind | stamp LE | subject length int32 LE | subject] x 2
        Assert.Equal(
            "01" + "42" + "00112233445566778899AABBCCDDEEFF" + "0200000000000000"
            + "01" + "0807060504030201" + "04000000" + "6BE282AC"
            + "03" + "0900000000000000" + "01000000" + "2A",
            Convert.ToHexString(bytes));
    }

    [Fact]
    public void TryDecodeBatch_EncodedBatch_RoundTripsInOrder()
    {
        var messages = Enumerable.Range(0, 100)
            .Select(i => new HybridCacheBackplaneMessage((HybridCacheBackplaneMessageKind)(1 + (i % 3)), "key-ключ-" + i, 638_000_000_000_000_000 + i))
            .ToList();
        var decoded = new List<WireMessage>();

        var status = BackplaneMessageCodec.TryDecodeBatch(BackplaneMessageCodec.EncodeBatch(messages, s_sender), out var sender, decoded);

        Assert.Equal(DecodeStatus.Ok, status);
        Assert.Equal(s_sender, sender);
        Assert.Equal(messages, decoded.Select(m => m.ToBackplaneMessage()));
        Assert.All(decoded, m => Assert.Equal(s_sender, m.Sender));
    }

    [Fact]
    public void TryDecode_BatchFrame_IsNotASingleMessage()
    {
        var status = BackplaneMessageCodec.TryDecode(BackplaneMessageCodec.EncodeBatch(s_two, s_sender), out _);

        Assert.Equal(DecodeStatus.UnknownKind, status);
    }

    public static TheoryData<string, byte[]> DamagedBatches()
    {
        var valid = BackplaneMessageCodec.EncodeBatch(s_two, s_sender);
        const int firstRecord = BackplaneMessageCodec.HeaderLength;
        byte[] With(int index, byte value)
        {
            var copy = (byte[])valid.Clone();
            copy[index] = value;
            return copy;
        }

        return new()
        {
            { "header cut short", valid[..(BackplaneMessageCodec.HeaderLength - 1)] },
            { "no records", valid[..BackplaneMessageCodec.HeaderLength] },
            { "last byte missing", valid[..^1] },
            { "a byte too many", [.. valid, 0x00] },
            { "count zero", With(18, 0) },
            { "count larger than the records", With(18, 3) },
            { "count negative", With(25, 0x80) },
            { "ping inside", With(firstRecord, 0x40) },
            { "unknown kind inside", With(firstRecord, 9) },
            { "subject length past the end", With(firstRecord + 9, 0xFF) },
            { "subject length zero", With(firstRecord + 9, 0) },
            { "subject length negative", With(firstRecord + 12, 0x80) },
            { "invalid UTF-8 subject", With(firstRecord + 13, 0xFF) },
        };
    }

    [Theory]
    [MemberData(nameof(DamagedBatches))]
    public void TryDecodeBatch_DamagedFrame_YieldsNothingWithoutThrowing(string description, byte[] bytes)
    {
        var decoded = new List<WireMessage> { default };

        var status = BackplaneMessageCodec.TryDecodeBatch(bytes, out _, decoded);

        Assert.True(status == DecodeStatus.Malformed, $"{description}: {status}");
        Assert.Empty(decoded);
    }

    [Fact]
    public void TryDecodeBatch_RandomBytesAfterABatchHeader_NeverThrows()
    {
        var random = new Random(42);
        var decoded = new List<WireMessage>();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(BackplaneMessageCodec.HeaderLength, 200)];
            random.NextBytes(bytes);
            bytes[0] = BackplaneMessageCodec.Version;
            bytes[1] = (byte)WireKind.Batch;
            if (i % 2 == 0)
            {
                bytes[18] = (byte)random.Next(1, 4);
                Array.Clear(bytes, 19, 7);
            }

            var status = BackplaneMessageCodec.TryDecodeBatch(bytes, out _, decoded);
            Assert.True(status == DecodeStatus.Ok || decoded.Count == 0);
        }
    }
}
