using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

public sealed class BackplaneMessageCodecTests
{
    private static readonly Guid s_sender = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    [Fact]
    public void Encode_KeyChanged_MatchesGoldenBytes()
    {
        var bytes = BackplaneMessageCodec.Encode(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "k€", 0x0102030405060708), s_sender);

        // version 1 | kind 1 | sender in RFC 4122 order | stamp int64 LE | "k€" UTF-8 (docs/backplane.md)
        Assert.Equal(
            "01" + "01" + "00112233445566778899AABBCCDDEEFF" + "0807060504030201" + "6BE282AC",
            Convert.ToHexString(bytes));
    }

    [Theory]
    [InlineData(HybridCacheBackplaneMessageKind.KeyChanged, "user:42")]
    [InlineData(HybridCacheBackplaneMessageKind.KeyRemoved, "ключ")]
    [InlineData(HybridCacheBackplaneMessageKind.TagInvalidated, "*")]
    public void TryDecode_EncodedMessage_RoundTrips(HybridCacheBackplaneMessageKind kind, string subject)
    {
        var message = new HybridCacheBackplaneMessage(kind, subject, 638_000_000_000_000_000);

        var status = BackplaneMessageCodec.TryDecode(BackplaneMessageCodec.Encode(message, s_sender), out var decoded);

        Assert.Equal(DecodeStatus.Ok, status);
        Assert.Equal(s_sender, decoded.Sender);
        Assert.True(decoded.IsChange);
        Assert.Equal(message, decoded.ToBackplaneMessage());
    }

    [Fact]
    public void TryDecode_Ping_HasNoSubjectAndIsNotAChange()
    {
        var status = BackplaneMessageCodec.TryDecode(BackplaneMessageCodec.Encode(WireKind.Ping, s_sender, 7, string.Empty), out var decoded);

        Assert.Equal(DecodeStatus.Ok, status);
        Assert.Equal(WireKind.Ping, decoded.Kind);
        Assert.Equal(7, decoded.Stamp);
        Assert.False(decoded.IsChange);
    }

    public static TheoryData<string, byte[], string> Unreadable()
    {
        var valid = BackplaneMessageCodec.Encode(WireKind.KeyChanged, s_sender, 1, "k");
        byte[] WithByte(int index, byte value)
        {
            var copy = (byte[])valid.Clone();
            copy[index] = value;
            return copy;
        }

        return new()
        {
            { "empty", [], nameof(DecodeStatus.Malformed) },
            { "future version", WithByte(0, 2), nameof(DecodeStatus.UnknownVersion) },
            { "version zero", WithByte(0, 0), nameof(DecodeStatus.UnknownVersion) },
            { "text", "hello"u8.ToArray(), nameof(DecodeStatus.UnknownVersion) },
            { "header cut short", valid[..(BackplaneMessageCodec.HeaderLength - 1)], nameof(DecodeStatus.Malformed) },
            { "no subject", valid[..BackplaneMessageCodec.HeaderLength], nameof(DecodeStatus.Malformed) },
            { "unknown kind", WithByte(1, 9), nameof(DecodeStatus.UnknownKind) },
            { "kind zero", WithByte(1, 0), nameof(DecodeStatus.UnknownKind) },
            { "invalid UTF-8 subject", [.. valid[..BackplaneMessageCodec.HeaderLength], 0xC3, 0x28], nameof(DecodeStatus.Malformed) },
        };
    }

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void TryDecode_UnreadableBytes_ReportsStatusWithoutThrowing(string description, byte[] bytes, string expected)
    {
        var status = BackplaneMessageCodec.TryDecode(bytes, out _);

        Assert.True(expected == status.ToString(), $"{description}: expected {expected}, got {status}");
    }

    [Fact]
    public void TryDecode_RandomBytes_NeverThrows()
    {
        var random = new Random(1234);
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
            {
                bytes[0] = BackplaneMessageCodec.Version;
            }

            _ = BackplaneMessageCodec.TryDecode(bytes, out _);
        }
    }
}
