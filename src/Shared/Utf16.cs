namespace HybridCacheKit.Shared;

/// <summary>Checks on UTF-16 text that must travel as strict UTF-8 (L2 envelopes, backplane messages).</summary>
/// <remarks>Shared source, compiled into the engine and the Redis package (src/Shared).</remarks>
internal static class Utf16
{
    /// <summary>
    /// Whether <paramref name="value"/> has no lone surrogate, so it has exactly one UTF-8 form. A lossy encoder would
    /// turn each lone surrogate into U+FFFD, and two different keys or tags could then share one byte form.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> value)
    {
        if (!value.ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return true;
        }

        while (!value.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf16(value, out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            value = value[consumed..];
        }

        return true;
    }
}
