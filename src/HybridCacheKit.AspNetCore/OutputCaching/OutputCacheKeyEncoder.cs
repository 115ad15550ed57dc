using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace HybridCacheKit.AspNetCore.OutputCaching;

/// <summary>
/// Turns the framework's output-cache keys and tags into engine keys and tags. The framework joins a key's parts with
/// control characters (U+001E, U+001F), which the engine rejects, and keys can be longer than the engine allows. So:
/// <list type="bullet">
/// <item>entry key = prefix + <c>k:</c> + escaped key, where <c>%</c>, C0 controls, DEL and UTF-16 surrogates become
/// <c>%XX</c> / <c>%uXXXX</c>. A raw <c>%</c> never survives escaping, so decoding is unambiguous and two different
/// keys never share an engine key;</item>
/// <item>when that would exceed the engine's MaximumKeyLength: prefix + <c>h:</c> + SHA-256 of the key's UTF-16 code
/// units (base64url). The two forms differ in their marker, so they cannot meet either;</item>
/// <item>tag = prefix + escaped tag (tags have no length limit in the engine).</item>
/// </list>
/// </summary>
internal sealed class OutputCacheKeyEncoder
{
    private const string EscapedMarker = "k:";
    private const string HashedMarker = "h:";

    /// <summary>Length of the hashed form after the prefix: the marker and 43 base64url characters.</summary>
    internal const int HashedFormLength = 2 + 43;

    private readonly string _prefix;
    private readonly int _maxKeyLength;

    public OutputCacheKeyEncoder(string prefix, int maxKeyLength)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _prefix = prefix;
        _maxKeyLength = maxKeyLength;
    }

    public string ForEntry(string key)
    {
        // Common case, one pass: a key that fits the limit even if every character tripled (no surrogates) is escaped
        // into a stack buffer, then copied into the result.
        var worst = _prefix.Length + EscapedMarker.Length + (key.Length * 3);
        if (worst <= StackLimit && worst <= _maxKeyLength && !key.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            Span<char> buffer = stackalloc char[worst];
            _prefix.AsSpan().CopyTo(buffer);
            EscapedMarker.AsSpan().CopyTo(buffer[_prefix.Length..]);
            var written = _prefix.Length + EscapedMarker.Length + EscapeAscii(key, buffer[(_prefix.Length + EscapedMarker.Length)..]);
            return new string(buffer[..written]);
        }

        var escapedLength = EscapedLength(key);
        var total = _prefix.Length + EscapedMarker.Length + escapedLength;
        if (total > _maxKeyLength)
        {
            return Hashed(key);
        }

        return string.Create(total, (this, key, escapedLength), static (span, s) =>
        {
            s.Item1._prefix.AsSpan().CopyTo(span);
            var rest = span[s.Item1._prefix.Length..];
            EscapedMarker.AsSpan().CopyTo(rest);
            Escape(s.key, rest[EscapedMarker.Length..], s.escapedLength);
        });
    }

    public string ForTag(string tag)
    {
        var escapedLength = EscapedLength(tag);
        return string.Create(_prefix.Length + escapedLength, (this, tag, escapedLength), static (span, s) =>
        {
            s.Item1._prefix.AsSpan().CopyTo(span);
            Escape(s.tag, span[s.Item1._prefix.Length..], s.escapedLength);
        });
    }

    private const int StackLimit = 1024;

    /// <summary>Escapes a surrogate-free value into <paramref name="destination"/> (room for 3 chars each); returns the length written.</summary>
    private static int EscapeAscii(string value, Span<char> destination)
    {
        var rest = value.AsSpan();
        var written = 0;
        int i;
        while ((i = rest.IndexOfAny(s_ascii)) >= 0)
        {
            rest[..i].CopyTo(destination[written..]);
            written += i;
            var c = rest[i];
            destination[written] = '%';
            destination[written + 1] = Hex[c >> 4];
            destination[written + 2] = Hex[c & 0xF];
            written += 3;
            rest = rest[(i + 1)..];
        }

        rest.CopyTo(destination[written..]);
        return written + rest.Length;
    }

    private string Hashed(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(MemoryMarshal.AsBytes(key.AsSpan()), hash);
        return string.Concat(_prefix, HashedMarker, Base64Url.EncodeToString(hash));
    }

    // What is escaped: '%', C0 controls and DEL (an ASCII set, searched vectorized), and UTF-16 surrogates, which
    // real keys almost never hold: the wider set is searched only when a range check found one.
    private static readonly SearchValues<char> s_ascii = SearchValues.Create(EscapedCharacters(withSurrogates: false));
    private static readonly SearchValues<char> s_withSurrogates = SearchValues.Create(EscapedCharacters(withSurrogates: true));

    private static string EscapedCharacters(bool withSurrogates)
    {
        var chars = new List<char> { '%', '\u007F' };
        for (var c = '\0'; c < ' '; c++)
        {
            chars.Add(c);
        }

        for (var c = '\uD800'; withSurrogates && c <= '\uDFFF'; c++)
        {
            chars.Add(c);
        }

        return new string([.. chars]);
    }

    private static ReadOnlySpan<char> Hex => "0123456789ABCDEF";

    private static SearchValues<char> EscapedIn(ReadOnlySpan<char> value)
        => value.ContainsAnyInRange('\uD800', '\uDFFF') ? s_withSurrogates : s_ascii;

    private static int EscapedLength(string value)
    {
        var length = value.Length;
        var rest = value.AsSpan();
        var escaped = EscapedIn(rest);
        int i;
        while ((i = rest.IndexOfAny(escaped)) >= 0)
        {
            length += char.IsSurrogate(rest[i]) ? 5 : 2;
            rest = rest[(i + 1)..];
        }

        return length;
    }

    private static void Escape(string value, Span<char> destination, int escapedLength)
    {
        var rest = value.AsSpan();
        if (escapedLength == rest.Length)
        {
            rest.CopyTo(destination);
            return;
        }

        var escaped = EscapedIn(rest);
        int i;
        while ((i = rest.IndexOfAny(escaped)) >= 0)
        {
            rest[..i].CopyTo(destination);
            destination = destination[i..];
            var c = rest[i];
            destination[0] = '%';
            if (char.IsSurrogate(c))
            {
                destination[1] = 'u';
                destination[2] = Hex[c >> 12];
                destination[3] = Hex[(c >> 8) & 0xF];
                destination[4] = Hex[(c >> 4) & 0xF];
                destination[5] = Hex[c & 0xF];
                destination = destination[6..];
            }
            else
            {
                destination[1] = Hex[c >> 4];
                destination[2] = Hex[c & 0xF];
                destination = destination[3..];
            }

            rest = rest[(i + 1)..];
        }

        rest.CopyTo(destination);
    }
}
