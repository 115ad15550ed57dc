using System.Text;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// Redis Cluster's key-to-slot mapping: CRC16 (XMODEM) of the key, or of the text inside its first non-empty
/// <c>{...}</c> hash tag, modulo 16384. Lets tests pick keys on a given master without asking the server.
/// </summary>
public static class RedisClusterHashSlot
{
    /// <summary>The number of hash slots in a Redis Cluster.</summary>
    public const int SlotCount = 16384;

    /// <summary>The hash slot of <paramref name="key"/> (UTF-8), honouring hash tags.</summary>
    public static int Of(string key) => Of(Encoding.UTF8.GetBytes(key));

    /// <summary>The hash slot of a binary key, honouring hash tags.</summary>
    public static int Of(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        return Crc16(key) % SlotCount;
    }

    private static int Crc16(ReadOnlySpan<byte> bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return crc & 0xFFFF;
    }
}
