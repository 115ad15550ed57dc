using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Robustness;

/// <summary>
/// Feeds untrusted bytes to a serializer and checks the only allowed outcomes: a value, or the codec's own verdict on
/// the data (a MessagePackSerializationException it raised itself), within an allocation bound.
/// </summary>
internal static class Untrusted
{
    /// <summary>
    /// Bytes a decode may allocate per input byte: one byte (a fixmap header) can become an object of a dozen fields
    /// plus its list slot, or two UTF-16 chars. Every fuzz input so far stays under 8.
    /// </summary>
    public const long AllocatedBytesPerInputByte = 128;

    /// <summary>
    /// Bytes a decode may allocate whatever its input: the exception, its message and its stack trace.
    /// </summary>
    public const long AllocatedBytesConstant = 16 * 1024;

    /// <summary>
    /// Deserializes <paramref name="bytes"/>; returns whether it succeeded. Fails the test when anything but the codec's own
    /// exception escapes, when that exception wraps another one (the serializer wraps every exception a formatter or the
    /// type throws, so an IndexOutOfRange or NullReference inside a formatter would otherwise pass as "malformed
    /// input"), and when decoding allocates more than <see cref="Bound"/>.
    /// </summary>
    /// <remarks>
    /// The allocation counted is the smaller of two repeat decodes of the same input: any single decode can carry one-time
    /// work of the runtime (the second exception a thread throws allocated 69 KB, once), which says nothing about the
    /// input, while an input that makes the decoder allocate without bound does so every time.
    /// </remarks>
    public static bool TryDeserialize<T>(IHybridCacheSerializer<T> serializer, ReadOnlySpan<byte> bytes)
    {
        var input = new ReadOnlySequence<byte>(bytes.ToArray());
        var succeeded = Decode(serializer, input, bytes);
        var allocated = long.MaxValue;
        for (var repeat = 0; repeat < 2; repeat++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var again = Decode(serializer, input, bytes);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(succeeded, again);
        }

        Assert.True(allocated <= Bound(bytes.Length), $"{typeof(T).Name}: input {Convert.ToHexStringLower(bytes)} ({bytes.Length} bytes) allocated {allocated} bytes, over the bound of {Bound(bytes.Length)}");
        return succeeded;
    }

    /// <summary>The most a decode of <paramref name="length"/> bytes may allocate.</summary>
    public static long Bound(int length) => AllocatedBytesConstant + (AllocatedBytesPerInputByte * length);

    /// <summary>Skips every value in <paramref name="bytes"/> with the raw reader, which allocates nothing but its exception.</summary>
    public static bool TrySkipAll(ReadOnlySpan<byte> bytes)
    {
        var succeeded = SkipAll(bytes);
        var allocated = long.MaxValue;
        for (var repeat = 0; repeat < 2; repeat++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var again = SkipAll(bytes);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(succeeded, again);
        }

        Assert.True(allocated <= AllocatedBytesConstant, $"Skip: input {Convert.ToHexStringLower(bytes)} allocated {allocated} bytes");
        return succeeded;
    }

    private static bool Decode<T>(IHybridCacheSerializer<T> serializer, ReadOnlySequence<byte> input, ReadOnlySpan<byte> bytes)
    {
        try
        {
            serializer.Deserialize(input);
            return true;
        }
        catch (MessagePackSerializationException ex) when (IsCodecVerdict(ex))
        {
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{typeof(T).Name}: input {Convert.ToHexStringLower(bytes)} raised {Describe(ex)}");
            return false;
        }
    }

    private static bool SkipAll(ReadOnlySpan<byte> bytes)
    {
        bool succeeded;
        try
        {
            var reader = new MessagePackReader(bytes);
            while (!reader.End)
            {
                reader.Skip();
            }

            succeeded = true;
        }
        catch (MessagePackSerializationException ex) when (IsCodecVerdict(ex))
        {
            succeeded = false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"Skip: input {Convert.ToHexStringLower(bytes)} raised {Describe(ex)}");
            return false;
        }

        return succeeded;
    }

    /// <summary>Runs <paramref name="body"/> on a worker thread and fails when it takes longer than <paramref name="timeout"/> (a hang).</summary>
    public static async Task WithinAsync(TimeSpan timeout, Action body)
    {
        var work = Task.Run(body);
        var finished = await Task.WhenAny(work, Task.Delay(timeout));
        Assert.True(finished == work, $"did not finish within {timeout} (a hang?)");
        await work;
    }

    /// <summary>
    /// Whether the codec raised the exception itself about the data: no inner exception, or invalid UTF-8 (the one
    /// place the reader wraps a runtime exception). None of the fuzzed types throws from a constructor or setter.
    /// </summary>
    private static bool IsCodecVerdict(MessagePackSerializationException ex) => ex.InnerException is null or DecoderFallbackException;

    private static string Describe(Exception ex)
        => ex.InnerException is { } inner
            ? $"{ex.GetType().Name} wrapping {inner.GetType()}: {inner.Message}\n{inner.StackTrace}"
            : $"{ex.GetType()}: {ex.Message}\n{ex.StackTrace}";
}
