using HybridCacheKit.Internal.Envelope;

namespace HybridCacheKit.Tests.Envelope;

public class Crc32CTests
{
    [Fact]
    public void Compute_StandardCheckInput_ReturnsCastagnoliCheckValue()
        => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Compute_Empty_ReturnsZero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Append_AnyChunking_MatchesOneShot()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        var expected = Crc32C.Compute(data);

        for (var chunk = 1; chunk <= 17; chunk++)
        {
            var state = Crc32C.InitialState;
            for (var i = 0; i < data.Length; i += chunk)
            {
                state = Crc32C.Append(state, data.AsSpan(i, Math.Min(chunk, data.Length - i)));
            }

            Assert.Equal(expected, Crc32C.Complete(state));
        }
    }

    [Fact]
    public void Compute_EveryLengthUpTo64_MatchesBitwiseReference()
    {
        var data = new byte[64];
        new Random(3).NextBytes(data);

        for (var length = 0; length <= data.Length; length++)
        {
            Assert.Equal(Reference(data.AsSpan(0, length)), Crc32C.Compute(data.AsSpan(0, length)));
        }
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
