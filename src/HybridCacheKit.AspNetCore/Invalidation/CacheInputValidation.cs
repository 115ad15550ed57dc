namespace HybridCacheKit.AspNetCore.Invalidation;

/// <summary>
/// Checks tags and keys before anything is evicted. A reason never quotes the value: the value may be hostile, and
/// reasons reach logs and HTTP responses.
/// </summary>
internal static class CacheInputValidation
{
    /// <summary>The engine's reserved key prefix (tag records live under it); removing such a key could undo an invalidation.</summary>
    public const string ReservedKeyPrefix = "__hck:";

    /// <summary>Why <paramref name="tag"/> cannot be invalidated, or null when it can.</summary>
    public static string? CheckTag(string? tag, int maxLength)
    {
        if (tag == "*")
        {
            return "the tag \"*\" means every entry; clear everything explicitly instead";
        }

        return CheckCommon(tag, maxLength, "tag");
    }

    /// <summary>Why <paramref name="key"/> cannot be removed, or null when it can.</summary>
    public static string? CheckKey(string? key, int maxLength)
    {
        var reason = CheckCommon(key, maxLength, "key");
        if (reason is null && key!.StartsWith(ReservedKeyPrefix, StringComparison.Ordinal))
        {
            return "the key uses the engine's reserved prefix " + ReservedKeyPrefix;
        }

        return reason;
    }

    private static string? CheckCommon(string? value, int maxLength, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"the {what} is empty";
        }

        if (value.Length > maxLength)
        {
            return $"the {what} is longer than {maxLength} characters";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return $"the {what} contains a control character";
            }
        }

        if (!IsWellFormedUtf16(value))
        {
            return $"the {what} is not well-formed UTF-16";
        }

        return null;
    }

    /// <summary>True when <paramref name="value"/> has no lone surrogate.</summary>
    public static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
