using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Primitives;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// The binary form of <see cref="CachedResponse"/>, version 1 (layout in docs/response-caching.md):
/// <c>"HRC"</c>, version, kind; for a response: status (uint16 LE), stored-at UTC ticks (int64 LE), header count, per header
/// its name, value count and values (each string a varuint byte length and Latin-1 bytes), body length and body; then a
/// CRC-32C (uint32 LE) of every byte before it. The reader checks every length against the bytes left before allocating,
/// verifies the checksum, and rebuilds the entry through the validating constructor; any failure is an
/// <see cref="InvalidDataException"/>, which the engine treats as a miss.
/// </summary>
internal sealed class CachedResponseSerializer : IHybridCacheSerializer<CachedResponse>
{
    public const byte Version = 1;
    private const int HeaderSize = 4 + 1; // marker + version, kind
    private const int ResponseFixedSize = 2 + 8;
    private static readonly byte[] s_marker = "HRC"u8.ToArray();

    public static CachedResponseSerializer Instance { get; } = new();

    public void Serialize(CachedResponse value, IBufferWriter<byte> target)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(target);
        if (value.Kind == CachedResponseKind.NotCacheable)
        {
            throw new InvalidOperationException("The not-cacheable marker is never stored.");
        }

        var size = HeaderSize + 4;
        if (value.Kind == CachedResponseKind.Response)
        {
            size += ResponseFixedSize + VarUIntSize((uint)value.Headers.Length) + VarUIntSize((uint)value.Body.Length) + value.Body.Length;
            foreach (var (name, values) in value.Headers)
            {
                size += StringSize(name) + VarUIntSize((uint)values.Count);
                foreach (var v in values)
                {
                    size += StringSize(v!);
                }
            }
        }

        var span = target.GetSpan(size)[..size];
        s_marker.CopyTo(span);
        span[3] = Version;
        span[4] = (byte)value.Kind;
        var position = HeaderSize;
        if (value.Kind == CachedResponseKind.Response)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[position..], (ushort)value.StatusCode);
            BinaryPrimitives.WriteInt64LittleEndian(span[(position + 2)..], value.StoredUtcTicks);
            position += ResponseFixedSize;
            position += WriteVarUInt(span[position..], (uint)value.Headers.Length);
            foreach (var (name, values) in value.Headers)
            {
                position += WriteString(span[position..], name);
                position += WriteVarUInt(span[position..], (uint)values.Count);
                foreach (var v in values)
                {
                    position += WriteString(span[position..], v!);
                }
            }

            position += WriteVarUInt(span[position..], (uint)value.Body.Length);
            value.Body.CopyTo(span[position..]);
            position += value.Body.Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[position..], Crc32C(span[..position]));
        target.Advance(size);
    }

    public CachedResponse Deserialize(ReadOnlySequence<byte> source)
        => source.IsSingleSegment ? Read(source.FirstSpan) : Read(source.ToArray());

    private static CachedResponse Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize + 4 || !data[..3].SequenceEqual(s_marker))
        {
            throw new InvalidDataException("Not a cached response.");
        }

        if (data[3] != Version)
        {
            throw new InvalidDataException($"Cached response version {data[3]} is not supported.");
        }

        var body = data[..^4];
        if (Crc32C(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]))
        {
            throw new InvalidDataException("Cached response checksum mismatch.");
        }

        var kind = (CachedResponseKind)data[4];
        if (kind == CachedResponseKind.VaryByEncoding)
        {
            return body.Length == HeaderSize ? CachedResponse.VaryByEncoding : throw new InvalidDataException("Trailing bytes.");
        }

        if (kind != CachedResponseKind.Response)
        {
            throw new InvalidDataException("Unknown cached response kind.");
        }

        var reader = new Reader(body[HeaderSize..]);
        var status = reader.ReadUInt16();
        var stored = reader.ReadInt64();
        var headerCount = reader.ReadCount(CachedResponse.MaxHeaders);
        var headers = new KeyValuePair<string, StringValues>[headerCount];
        for (var i = 0; i < headerCount; i++)
        {
            var name = reader.ReadString();
            var valueCount = reader.ReadCount(CachedResponse.MaxValuesPerHeader);
            StringValues values;
            if (valueCount == 1)
            {
                values = reader.ReadString();
            }
            else
            {
                var array = new string[valueCount];
                for (var j = 0; j < valueCount; j++)
                {
                    array[j] = reader.ReadString();
                }

                values = array;
            }

            headers[i] = new(name, values);
        }

        var bodyBytes = reader.ReadBytes();
        if (!reader.AtEnd)
        {
            throw new InvalidDataException("Trailing bytes.");
        }

        return new CachedResponse(status, stored, headers, bodyBytes);
    }

    private static int StringSize(string value) => VarUIntSize((uint)value.Length) + value.Length;

    private static int WriteString(Span<byte> span, string value)
    {
        var written = WriteVarUInt(span, (uint)value.Length);

        // Header names and values are validated as ASCII, so Latin-1 is their exact one-byte form.
        written += Encoding.Latin1.GetBytes(value, span[written..]);
        return written;
    }

    private static int VarUIntSize(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteVarUInt(Span<byte> span, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }

    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly bool AtEnd => _data.IsEmpty;

        public ushort ReadUInt16()
        {
            Require(2);
            var value = BinaryPrimitives.ReadUInt16LittleEndian(_data);
            _data = _data[2..];
            return value;
        }

        public long ReadInt64()
        {
            Require(8);
            var value = BinaryPrimitives.ReadInt64LittleEndian(_data);
            _data = _data[8..];
            return value;
        }

        public int ReadCount(int max)
        {
            var value = ReadVarUInt();
            return value <= (uint)max ? (int)value : throw new InvalidDataException("A count is out of range.");
        }

        public string ReadString()
        {
            var length = ReadLength();
            var value = Encoding.Latin1.GetString(_data[..length]);
            _data = _data[length..];
            return value;
        }

        public byte[] ReadBytes()
        {
            var length = ReadLength();
            var value = _data[..length].ToArray();
            _data = _data[length..];
            return value;
        }

        private int ReadLength()
        {
            var length = ReadVarUInt();
            return length <= (uint)_data.Length ? (int)length : throw new InvalidDataException("A length runs past the end.");
        }

        private uint ReadVarUInt()
        {
            uint value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                Require(1);
                var b = _data[0];
                _data = _data[1..];
                if (shift == 28 && b > 0x0F)
                {
                    throw new InvalidDataException("A varint overflows.");
                }

                value |= (uint)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    if (b == 0 && shift > 0)
                    {
                        throw new InvalidDataException("A varint is not in its shortest form.");
                    }

                    return value;
                }
            }

            throw new InvalidDataException("A varint is too long.");
        }

        private readonly void Require(int count)
        {
            if (_data.Length < count)
            {
                throw new InvalidDataException("Truncated.");
            }
        }
    }
}
