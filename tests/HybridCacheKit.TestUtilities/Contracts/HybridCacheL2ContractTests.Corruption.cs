using System.Buffers.Binary;
using System.Text;
using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Logging;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Xunit;

namespace HybridCacheKit.TestUtilities.Contracts;

// Whatever sits under a key in L2 (damage, another writer, another key's entry, an old format), a read never throws
// and never returns it: it is a miss, the factory runs, and the valid entry it produces replaces the bad bytes.
public abstract partial class HybridCacheL2ContractTests
{
    private const int EnvelopeVersionOffset = 3;
    private const int EnvelopeFlagsOffset = 4;
    private const int EnvelopeMinimumLength = 36;
    private const byte EnvelopeVersion = 1;
    private const int EventIdInvalidPayload = 1005;
    private const int EventIdDeserializationFailed = 1006;
    private static readonly byte[] EnvelopeMarker = "HCK"u8.ToArray();

    /// <summary>Kinds of bad bytes a key may hold in L2.</summary>
    public enum L2Corruption
    {
        /// <summary>Random bytes.</summary>
        RandomBytes,

        /// <summary>A zero-length value.</summary>
        Empty,

        /// <summary>A valid envelope cut short.</summary>
        TruncatedEnvelope,

        /// <summary>A valid envelope with one payload byte flipped.</summary>
        FlippedByte,

        /// <summary>A valid envelope whose version byte was changed.</summary>
        VersionByteChanged,

        /// <summary>A valid envelope written for another key, copied under this one.</summary>
        EnvelopeOfOtherKey,

        /// <summary>A value in the layout Microsoft's HybridCache writes (sentinel 03 01, header, key, payload).</summary>
        MicrosoftHybridCachePayload,

        /// <summary>A bare JSON document, as a plain IDistributedCache user would write.</summary>
        PlainJson,

        /// <summary>Bare UTF-8 text equal to a plausible value.</summary>
        PlainText,
    }

    [Theory]
    [InlineData(L2Corruption.RandomBytes)]
    [InlineData(L2Corruption.Empty)]
    [InlineData(L2Corruption.TruncatedEnvelope)]
    [InlineData(L2Corruption.FlippedByte)]
    [InlineData(L2Corruption.VersionByteChanged)]
    [InlineData(L2Corruption.EnvelopeOfOtherKey)]
    [InlineData(L2Corruption.MicrosoftHybridCachePayload)]
    [InlineData(L2Corruption.PlainJson)]
    [InlineData(L2Corruption.PlainText)]
    public async Task GetOrCreateAsync_BadL2Bytes_MissThenOverwritten(L2Corruption corruption)
    {
        var l2 = await CreateSharedDistributedCacheAsync();
        var logs = new CapturingLoggerProvider();
        var writer = CreateCache(l2);
        var reader = CreateCache(l2, logs: logs);
        var key = NewKey(corruption.ToString());
        await writer.SetAsync(key, "original value");
        var bad = await CorruptAsync(writer, l2, key, corruption);
        await l2.SetAsync(key, bad, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = EntryLifetime });
        var storedBad = await l2.GetAsync(key);
        var factory = new CountingFactory<string>("fresh");

        var value = await reader.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("fresh", value);
        Assert.Equal(1, factory.Calls);

        // A backend may hand back an empty value as "absent"; bytes it does return must be reported as rejected.
        Assert.True(storedBad is null || logs.WithEventId(EventIdInvalidPayload).Count > 0, "The rejected payload was not logged (event 1005).");
        var rewritten = await l2.GetAsync(key);
        Assert.NotNull(rewritten);
        Assert.NotEqual(bad, rewritten);
        AssertIsEnvelope(rewritten);
        var third = CreateCache(l2);
        var thirdFactory = new CountingFactory<string>("third");
        Assert.Equal("fresh", await third.GetOrCreateAsync(key, thirdFactory.InvokeAsync));
        Assert.Equal(0, thirdFactory.Calls);
    }

    [Theory]
    [InlineData(L2Corruption.RandomBytes)]
    [InlineData(L2Corruption.VersionByteChanged)]
    [InlineData(L2Corruption.EnvelopeOfOtherKey)]
    public async Task TryGetAsync_BadL2Bytes_NotFound(L2Corruption corruption)
    {
        var l2 = await CreateSharedDistributedCacheAsync();
        var writer = CreateCache(l2);
        var reader = CreateCache(l2);
        var key = NewKey(corruption.ToString());
        await writer.SetAsync(key, "original value");
        var bad = await CorruptAsync(writer, l2, key, corruption);
        await l2.SetAsync(key, bad, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = EntryLifetime });

        var lookup = await reader.TryGetAsync<string>(key);

        Assert.False(lookup.Found);
        Assert.Null(lookup.Value);
    }

    [Fact]
    public async Task GetOrCreateAsync_PlainJsonOfRequestedType_MissThenOverwritten()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        var forged = Encoding.UTF8.GetBytes("""{"Id":666,"Name":"forged","Parts":["x"]}""");
        await l2.SetAsync(key, forged, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = EntryLifetime });
        var factory = new CountingFactory<ContractWidget>(new ContractWidget { Id = 1, Name = "real" });

        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(1, value.Id);
        Assert.Equal("real", value.Name);
        Assert.Equal(1, factory.Calls);
        AssertIsEnvelope(await l2.GetAsync(key));
        var fromA = await a.GetOrCreateAsync(key, new CountingFactory<ContractWidget>(new ContractWidget()).InvokeAsync);
        Assert.Equal("real", fromA.Name);
    }

    [Fact]
    public async Task GetOrCreateAsync_EnvelopeWhosePayloadDoesNotDeserialize_MissThenOverwritten()
    {
        var l2 = await CreateSharedDistributedCacheAsync();
        var logs = new CapturingLoggerProvider();
        var writer = CreateCache(l2);
        var reader = CreateCache(l2, logs: logs);
        var key = NewKey();

        // A valid envelope whose payload is the text "not a number", read back as an int.
        await writer.SetAsync(key, "not a number");
        var factory = new CountingFactory<int>(42);
        var value = await reader.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(42, value);
        Assert.Equal(1, factory.Calls);
        Assert.NotEmpty(logs.WithEventId(EventIdDeserializationFailed));
        var third = CreateCache(l2);
        Assert.Equal(42, await third.GetOrCreateAsync(key, new CountingFactory<int>(-1).InvokeAsync));
    }

    private async Task<byte[]> CorruptAsync(HybridCache writer, IDistributedCache l2, string key, L2Corruption corruption)
    {
        var valid = await l2.GetAsync(key);
        AssertIsEnvelope(valid);
        switch (corruption)
        {
            case L2Corruption.RandomBytes:
                var random = new byte[valid.Length];
                new Random(1234).NextBytes(random);
                return random;
            case L2Corruption.Empty:
                return [];
            case L2Corruption.TruncatedEnvelope:
                return valid[..(valid.Length / 2)];
            case L2Corruption.FlippedByte:
                var flipped = valid.ToArray();
                flipped[^6] ^= 0x20;
                return flipped;
            case L2Corruption.VersionByteChanged:
                var otherVersion = valid.ToArray();
                otherVersion[EnvelopeVersionOffset] = (byte)(EnvelopeVersion + 1);
                return otherVersion;
            case L2Corruption.EnvelopeOfOtherKey:
                var otherKey = NewKey("other");
                await writer.SetAsync(otherKey, "the other key's value");
                var other = await l2.GetAsync(otherKey);
                AssertIsEnvelope(other);
                return other;
            case L2Corruption.MicrosoftHybridCachePayload:
                return MicrosoftLikePayload(key, "\"original value\""u8);
            case L2Corruption.PlainJson:
                return """{"value":"original value"}"""u8.ToArray();
            case L2Corruption.PlainText:
                return "original value"u8.ToArray();
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption, null);
        }
    }

    // The layout of Microsoft.Extensions.Caching.Hybrid's L2 payload (v1): sentinel+version, entropy, creation ticks,
    // then varints (flags, payload length, duration, tag count), the key, the payload, and the sentinel again.
    private byte[] MicrosoftLikePayload(string key, ReadOnlySpan<byte> payload)
    {
        var buffer = new List<byte> { 0x03, 0x01, 0x5A, 0xA5 };
        Span<byte> ticks = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(ticks, Time.GetUtcNow().UtcTicks);
        buffer.AddRange(ticks.ToArray());
        WriteVarint(buffer, 0);
        WriteVarint(buffer, (ulong)payload.Length);
        WriteVarint(buffer, (ulong)EntryLifetime.Ticks);
        WriteVarint(buffer, 0);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        WriteVarint(buffer, (ulong)keyBytes.Length);
        buffer.AddRange(keyBytes);
        buffer.AddRange(payload.ToArray());
        buffer.AddRange([0x03, 0x01]);
        return [.. buffer];
    }

    private static void WriteVarint(List<byte> buffer, ulong value)
    {
        while (value >= 0x80)
        {
            buffer.Add((byte)(value | 0x80));
            value >>= 7;
        }

        buffer.Add((byte)value);
    }

    /// <summary>Whether the envelope in <paramref name="raw"/> has its "payload is compressed" flag set.</summary>
    /// <param name="raw">An envelope read from the L2.</param>
    /// <returns>The flag.</returns>
    protected static bool IsCompressed(byte[] raw)
    {
        AssertIsEnvelope(raw);
        return (raw[EnvelopeFlagsOffset] & 1) != 0;
    }
}
