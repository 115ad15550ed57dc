using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Robustness;

/// <summary>Feeds untrusted bytes to a serializer and checks the only allowed outcomes: a value or MessagePackSerializationException.</summary>
internal static class Untrusted
{
    /// <summary>Deserializes <paramref name="bytes"/>; returns whether it succeeded. Any exception but ours fails the test.</summary>
    public static bool TryDeserialize<T>(IHybridCacheSerializer<T> serializer, ReadOnlySpan<byte> bytes)
    {
        try
        {
            serializer.Deserialize(new ReadOnlySequence<byte>(bytes.ToArray()));
            return true;
        }
        catch (MessagePackSerializationException)
        {
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{typeof(T).Name}: input {Convert.ToHexStringLower(bytes)} raised {ex.GetType()}: {ex.Message}");
            return false;
        }
    }

    /// <summary>Skips every value in <paramref name="bytes"/> with the raw reader.</summary>
    public static bool TrySkipAll(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var reader = new MessagePackReader(bytes);
            while (!reader.End)
            {
                reader.Skip();
            }

            return true;
        }
        catch (MessagePackSerializationException)
        {
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"Skip: input {Convert.ToHexStringLower(bytes)} raised {ex.GetType()}: {ex.Message}");
            return false;
        }
    }

    /// <summary>Runs <paramref name="body"/> on a worker thread and fails when it takes longer than <paramref name="timeout"/> (a hang).</summary>
    public static async Task WithinAsync(TimeSpan timeout, Action body)
    {
        var work = Task.Run(body);
        var finished = await Task.WhenAny(work, Task.Delay(timeout));
        Assert.True(finished == work, $"did not finish within {timeout} (a hang?)");
        await work;
    }
}
