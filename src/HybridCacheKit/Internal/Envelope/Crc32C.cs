using System.Buffers.Binary;
using System.Numerics;

namespace HybridCacheKit.Internal.Envelope;

/// <summary>
/// CRC-32C (Castagnoli, as in iSCSI and ext4): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> is the hardware instruction where the CPU has one.
/// </summary>
internal static class Crc32C
{
    /// <summary>The running state before any byte has been processed.</summary>
    public const uint InitialState = 0xFFFF_FFFF;

    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Complete(Append(InitialState, data));

    /// <summary>Feeds more bytes into a running state. Chunk boundaries do not change the result.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        // The CRC is reflected (least significant bit first), so eight bytes read as a little-endian ulong are
        // processed in the same order as eight single-byte steps.
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }

    /// <summary>Turns a running state into the checksum.</summary>
    public static uint Complete(uint state) => ~state;
}
