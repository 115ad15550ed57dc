using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HybridCacheKit.AspNetCore.ResponseCaching;
using Microsoft.Extensions.Primitives;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>The stored form of a response: round trips, golden bytes, and that damaged or forged bytes never read as a response.</summary>
public sealed class CachedResponseSerializerTests
{
    private const long Ticks = 638000000000000000;

    private static CachedResponse Sample() => new(
        200,
        Ticks,
        [new("Content-Type", "text/plain"), new("X-Multi", new StringValues(["a", "b"]))],
        "hi"u8.ToArray());

    private static byte[] Serialize(CachedResponse value)
    {
        var writer = new ArrayBufferWriter<byte>();
        CachedResponseSerializer.Instance.Serialize(value, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static CachedResponse Deserialize(byte[] bytes) => CachedResponseSerializer.Instance.Deserialize(new ReadOnlySequence<byte>(bytes));

    // Bit by bit, independent of the implementation under test.
    private static uint ReferenceCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    [Fact]
    public void Crc32C_KnownCheckValue() => Assert.Equal(0xE3069283u, CachedResponseSerializer.Crc32C("123456789"u8));

    [Fact]
    public void Serialize_Sample_ProducesTheDocumentedBytes()
    {
        var expected = new List<byte>();
        expected.AddRange("HRC"u8.ToArray());
        expected.AddRange([0x01, 0x00, 0xC8, 0x00]);
        expected.AddRange([0x00, 0x00, 0xB3, 0xA6, 0x9E, 0xA1, 0xDA, 0x08]);
        expected.Add(0x02);
        expected.Add(12);
        expected.AddRange("Content-Type"u8.ToArray());
        expected.Add(1);
        expected.Add(10);
        expected.AddRange("text/plain"u8.ToArray());
        expected.Add(7);
        expected.AddRange("X-Multi"u8.ToArray());
        expected.AddRange([2, 1, (byte)'a', 1, (byte)'b']);
        expected.AddRange([2, (byte)'h', (byte)'i']);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, ReferenceCrc32C([.. expected]));
        expected.AddRange(crc);

        Assert.Equal(expected.ToArray(), Serialize(Sample()));
    }

    [Fact]
    public void Serialize_Marker_IsHeaderAndChecksumOnly()
    {
        var bytes = Serialize(CachedResponse.VaryByEncoding);

        Assert.Equal(9, bytes.Length);
        Assert.Same(CachedResponse.VaryByEncoding, Deserialize(bytes));
    }

    [Fact]
    public void Serialize_NotCacheableMarker_Throws()
        => Assert.Throws<InvalidOperationException>(() => Serialize(CachedResponse.NotCacheable));

    [Fact]
    public void RoundTrip_ResponseWithManyHeadersAndLargeBody_IsEqual()
    {
        var body = new byte[300_000];
        new Random(1).NextBytes(body);
        var headers = Enumerable.Range(0, 40).Select(i => new KeyValuePair<string, StringValues>($"X-H{i}", new string('v', i * 7))).ToList();
        headers.Add(new("ETag", "\"abc\""));
        headers.Add(new("Last-Modified", "Tue, 03 Feb 2026 10:00:00 GMT"));
        var original = new CachedResponse(404, -5, [.. headers], body);

        var copy = Deserialize(Serialize(original));

        Assert.Equal(CachedResponseKind.Response, copy.Kind);
        Assert.Equal(404, copy.StatusCode);
        Assert.Equal(-5, copy.StoredUtcTicks);
        Assert.Equal(original.Headers, copy.Headers);
        Assert.Equal(body, copy.Body);
        Assert.Equal("\"abc\"", copy.ETag!.Tag.ToString());
        Assert.Equal(new DateTimeOffset(2026, 2, 3, 10, 0, 0, TimeSpan.Zero), copy.LastModified);
        Assert.Equal(2, copy.NotModifiedHeaders.Length);
    }

    [Fact]
    public void RoundTrip_EmptyBodyNoHeaders_IsEqual()
    {
        var copy = Deserialize(Serialize(new CachedResponse(204, 1, [], [])));

        Assert.Equal(204, copy.StatusCode);
        Assert.Empty(copy.Headers);
        Assert.Empty(copy.Body);
    }

    [Fact]
    public void Deserialize_MultiSegmentSequence_Works()
    {
        var bytes = Serialize(Sample());
        var first = new Segment(bytes.AsMemory(0, 10));
        var last = first.Append(bytes.AsMemory(10));

        var copy = CachedResponseSerializer.Instance.Deserialize(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));

        Assert.Equal("hi"u8.ToArray(), copy.Body);
    }

    [Fact]
    public void Deserialize_EveryTruncation_ThrowsInvalidData()
    {
        var bytes = Serialize(Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => Deserialize(bytes[..length]));
        }
    }

    [Fact]
    public void Deserialize_EveryFlippedBit_ThrowsInvalidData()
    {
        var bytes = Serialize(Sample());
        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<InvalidDataException>(() => Deserialize(damaged));
        }
    }

    [Fact]
    public void Deserialize_RandomBytes_OnlyEverThrowsInvalidData()
    {
        var random = new Random(7);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 4)
            {
                "HRC\u0001"u8.CopyTo(bytes); // get past the marker and version more often
            }

            Assert.Throws<InvalidDataException>(() => Deserialize(bytes));
        }
    }

    [Theory]
    [InlineData("Set-Cookie", "session=stolen")]
    [InlineData("Content-Length", "5")]
    [InlineData("X-Bad", "line\r\nInjected: 1")]
    [InlineData("X-Bad", "nul\0")]
    [InlineData("Bad Name", "v")]
    [InlineData("X-Unicode", "caf\u00e9")]
    public void Deserialize_ForgedEntryWithValidChecksumButForbiddenHeader_ThrowsInvalidData(string name, string value)
    {
        var forged = Forge(200, [(name, value)], "x"u8.ToArray());

        Assert.Throws<InvalidDataException>(() => Deserialize(forged));
    }

    [Theory]
    [InlineData(0x02)] // NotCacheable is never stored
    [InlineData(0x07)]
    public void Deserialize_UnknownKind_ThrowsInvalidData(byte kind)
    {
        var bytes = Serialize(CachedResponse.VaryByEncoding);
        bytes[4] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), ReferenceCrc32C(bytes.AsSpan(0, bytes.Length - 4)));

        Assert.Throws<InvalidDataException>(() => Deserialize(bytes));
    }

    [Fact]
    public void Deserialize_OtherVersion_ThrowsInvalidData()
    {
        var bytes = Serialize(Sample());
        bytes[3] = 2;

        Assert.Throws<InvalidDataException>(() => Deserialize(bytes));
    }

    [Fact]
    public void Deserialize_ForgedHugeCounts_ThrowWithoutAllocating()
    {
        // A header count of 2^32-1 and a body length larger than the input: rejected before any allocation follows them.
        var count = Forge(200, [], [], overrideHeaderCount: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);

        Assert.Throws<InvalidDataException>(() => Deserialize(count));
    }

    private static byte[] Forge(int status, (string Name, string Value)[] headers, byte[] body, byte[]? overrideHeaderCount = null)
    {
        var bytes = new List<byte>();
        bytes.AddRange("HRC"u8.ToArray());
        bytes.AddRange([1, 0, (byte)status, (byte)(status >> 8)]);
        bytes.AddRange(BitConverter.GetBytes(Ticks));
        bytes.AddRange(overrideHeaderCount ?? [(byte)headers.Length]);
        foreach (var (name, value) in headers)
        {
            var n = Encoding.Latin1.GetBytes(name);
            var v = Encoding.Latin1.GetBytes(value);
            bytes.Add((byte)n.Length);
            bytes.AddRange(n);
            bytes.Add(1);
            bytes.Add((byte)v.Length);
            bytes.AddRange(v);
        }

        bytes.Add((byte)body.Length);
        bytes.AddRange(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, ReferenceCrc32C([.. bytes]));
        bytes.AddRange(crc);
        return [.. bytes];
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
