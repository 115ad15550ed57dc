using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using HybridCacheKit.Internal.Envelope;
using static HybridCacheKit.Tests.Envelope.EnvelopeTestHelpers;

namespace HybridCacheKit.Tests.Envelope;

public class PayloadEnvelopeRoundTripTests
{
    public static TheoryData<string, string[], int> Shapes => new()
    {
        { "user:42", [], 10 },
        { "user:42", ["users", "tenant:7"], 10 },
        { "user:42", ["users"], 0 },
        { "", [], 0 },
        { "", [""], 3 },
        { "clé:😀:日本", ["ü", "标签", "😀😀"], 17 },
        { new string('k', 300), [new string('t', 200)], 1000 },
        { new string('é', 400), [], 5 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TryRead_WrittenEnvelope_ReturnsSameMetadataAndPayload(string key, string[] tags, int payloadLength)
    {
        var payload = Incompressible(payloadLength);
        var metadata = new EnvelopeMetadata(1, -2, long.MaxValue, tags);
        var envelope = Write(key, metadata, payload);

        var status = PayloadEnvelope.TryRead(envelope, key, NoLimit, out var read, out var readPayload);

        Assert.Equal(EnvelopeReadStatus.Ok, status);
        Assert.Equal(1, read.CreatedUtcTicks);
        Assert.Equal(-2, read.ExpiresUtcTicks);
        Assert.Equal(long.MaxValue, read.FactoryDurationTicks);
        Assert.Equal(tags, read.Tags);
        Assert.Equal(payload, readPayload.ToArray());
    }

    [Fact]
    public void TryRead_UncompressedEnvelope_ReturnsSliceOfInputWithoutCopy()
    {
        var envelope = Write("k", Metadata(), "hello"u8);

        PayloadEnvelope.TryRead(envelope, "k", NoLimit, out _, out var payload);

        Assert.True(MemoryMarshal.TryGetArray(payload, out var segment));
        Assert.Same(envelope, segment.Array);
        Assert.Equal(envelope.Length - 4 - 5, segment.Offset);
    }

    [Fact]
    public void Write_NullTags_WritesNoTags()
    {
        var envelope = Write("k", new EnvelopeMetadata(1, 2, 3, null!), "x"u8);

        Assert.Equal(EnvelopeReadStatus.Ok, PayloadEnvelope.TryRead(envelope, "k", NoLimit, out var metadata, out _));
        Assert.Empty(metadata.Tags);
    }

    [Theory]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.Optimal)]
    [InlineData(CompressionLevel.SmallestSize)]
    public void Write_CompressiblePayloadWithLevel_CompressesAndRoundTrips(CompressionLevel level)
    {
        var payload = Compressible(10_000);

        var envelope = Write("k", Metadata("a", "b"), payload, level);

        Assert.Equal(PayloadEnvelope.BrotliFlag, envelope[4]);
        Assert.True(envelope.Length < payload.Length / 4, $"envelope is {envelope.Length} bytes");
        Assert.Equal(EnvelopeReadStatus.Ok, PayloadEnvelope.TryRead(envelope, "k", NoLimit, out var metadata, out var read));
        Assert.Equal(payload, read.ToArray());
        Assert.Equal(["a", "b"], metadata.Tags);
    }

    [Fact]
    public void TryRead_CompressedEnvelope_ReturnsNewExactSizeArray()
    {
        var payload = Compressible(5000);
        var envelope = Write("k", Metadata(), payload, CompressionLevel.Fastest);

        PayloadEnvelope.TryRead(envelope, "k", NoLimit, out _, out var read);

        Assert.True(MemoryMarshal.TryGetArray(read, out var segment));
        Assert.NotSame(envelope, segment.Array);
        Assert.Equal(payload.Length, segment.Array!.Length);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(2)]
    [InlineData(1)]
    public void Write_IncompressiblePayloadWithLevel_StoresRawAndSameBytesAsWithoutLevel(int length)
    {
        var payload = Incompressible(length);

        var compressed = Write("k", Metadata("t"), payload, CompressionLevel.SmallestSize);
        var raw = Write("k", Metadata("t"), payload, level: null);

        Assert.Equal(0, compressed[4]);
        Assert.Equal(raw, compressed);
    }

    [Fact]
    public void Write_NoCompressionLevel_StoresRaw()
    {
        var payload = Compressible(10_000);

        var envelope = Write("k", Metadata(), payload, CompressionLevel.NoCompression);

        Assert.Equal(0, envelope[4]);
        Assert.Equal(Write("k", Metadata(), payload), envelope);
    }

    [Fact]
    public void Write_CompressionBarelyWorthIt_StoresWhicheverIsSmaller()
    {
        // Around the break-even size the compressed form, with its extra length prefix, must be strictly smaller.
        for (var length = 1; length < 64; length++)
        {
            var payload = Compressible(length);
            var compressed = Write("k", Metadata(), payload, CompressionLevel.Optimal);
            var raw = Write("k", Metadata(), payload);

            Assert.True(compressed.Length <= raw.Length);
            Assert.Equal(compressed[4] == PayloadEnvelope.BrotliFlag, compressed.Length < raw.Length);
            Assert.Equal(EnvelopeReadStatus.Ok, PayloadEnvelope.TryRead(compressed, "k", NoLimit, out _, out var read));
            Assert.Equal(payload, read.ToArray());
        }
    }

    [Fact]
    public void Write_UndefinedCompressionLevel_ThrowsAndWritesNothing()
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentOutOfRangeException>(() => PayloadEnvelope.Write(writer, "k", Metadata(), Compressible(100), (CompressionLevel)42));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Write_LoneSurrogateInKeyOrTag_ThrowsAndWritesNothing()
    {
        // Built here, not in attributes: attribute strings are stored as UTF-8 and would lose the lone surrogate.
        var cases = new (string Key, string[] Tags)[] { ("\uD800", []), ("a\uDC00b", []), ("ok", ["fine", "bad\uDC00"]), ("ok", ["\uD83D"]) };
        foreach (var (key, tags) in cases)
        {
            var writer = new ArrayBufferWriter<byte>();

            Assert.ThrowsAny<ArgumentException>(() => PayloadEnvelope.Write(writer, key, Metadata(tags), "x"u8, CompressionLevel.Optimal));
            Assert.Equal(0, writer.WrittenCount);
        }
    }

    [Fact]
    public void Write_NullTag_ThrowsAndWritesNothing()
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => PayloadEnvelope.Write(writer, "k", Metadata("a", null!), "x"u8, null));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void TryRead_ExpectedKeyWithLoneSurrogate_KeyMismatch()
    {
        // U+FFFD is what a lossy encoder would have made of the lone surrogate: the two keys must not meet.
        var envelope = Write("a\uFFFD", Metadata(), "x"u8);

        Assert.Equal(EnvelopeReadStatus.KeyMismatch, PayloadEnvelope.TryRead(envelope, "a\uD800", NoLimit, out _, out _));
    }

    [Fact]
    public void Write_WriterHandingOutSmallSegments_ProducesSameBytes()
    {
        var payload = Compressible(5000);
        var segmented = new SmallSegmentBufferWriter(maxSegment: 64);

        PayloadEnvelope.Write(segmented, "key", Metadata("a", "b"), payload, null);

        Assert.Equal(Write("key", Metadata("a", "b"), payload), segmented.ToArray());
    }

    [Fact]
    public void Write_Uncompressed_AllocatesNothing()
    {
        var payload = Incompressible(4096);
        var metadata = Metadata("users", "tenant:7");
        var writer = new ArrayBufferWriter<byte>(64 * 1024);
        PayloadEnvelope.Write(writer, "user:42", metadata, payload, null); // warm up
        writer.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        PayloadEnvelope.Write(writer, "user:42", metadata, payload, null);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryRead_UncompressedWithoutTags_AllocatesNothing()
    {
        var envelope = Write(new string('k', 1000), Metadata(), Incompressible(4096));
        PayloadEnvelope.TryRead(envelope, new string('k', 1000), NoLimit, out _, out _); // warm up
        var key = new string('k', 1000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var status = PayloadEnvelope.TryRead(envelope, key, NoLimit, out _, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(EnvelopeReadStatus.Ok, status);
        Assert.Equal(0, allocated);
    }

    /// <summary>Hands out at most <c>maxSegment</c> bytes per request beyond small ones, like a writer over fixed-size pages.</summary>
    private sealed class SmallSegmentBufferWriter(int maxSegment) : IBufferWriter<byte>
    {
        private readonly List<byte[]> _segments = [];
        private byte[] _current = [];

        public void Advance(int count) => _segments.Add(_current[..count]);

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(1, Math.Min(Math.Max(sizeHint, 1), maxSegment))];

        public Span<byte> GetSpan(int sizeHint = 0) => sizeHint > maxSegment ? (_current = new byte[maxSegment]) : GetMemory(sizeHint).Span;

        public byte[] ToArray() => [.. _segments.SelectMany(s => s)];
    }
}
