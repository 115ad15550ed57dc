using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// Builds the cache key of a request (grammar in docs/response-caching.md). Every variable part is escaped so that the
/// separators <c>| &amp; = , !</c> and <c>%</c> never appear inside a part, and so that the key is printable ASCII (what the
/// engine accepts without a slow path): an ASCII byte outside <c>!</c>..<c>~</c> or one of those six becomes <c>%XX</c>, any
/// other UTF-16 code unit <c>%uXXXX</c>. The escaping is injective and the sections come in a fixed order behind fixed
/// markers, so two requests that differ in any keyed part never share a key. A key longer than the threshold is replaced
/// by <c>rc:v1#</c> + the SHA-256 of the full key (base64url), which keeps it within the engine's <c>MaximumKeyLength</c>.
/// </summary>
internal static class ResponseCacheKey
{
    public const string Prefix = "rc:v1|";
    public const string HashedPrefix = "rc:v1#";

    /// <summary>The length of a hashed key: the prefix and 43 base64url characters.</summary>
    public const int HashedLength = 6 + 43;

    private const int DefaultHashThreshold = 256;

    // Printable ASCII except the separators and the escape character.
    private static readonly SearchValues<char> s_safe = SearchValues.Create(
        "\"#$'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{}~");

    /// <summary>The longest key kept readable; longer ones are hashed. At most the engine's limit.</summary>
    public static int HashThreshold(int engineMaximumKeyLength) => Math.Min(DefaultHashThreshold, engineMaximumKeyLength);

    /// <summary>The key of a request under a policy.</summary>
    /// <param name="context">The request.</param>
    /// <param name="policy">The endpoint's policy.</param>
    /// <param name="user">With VaryByUser: the user's hash, or "" for an anonymous request. Null otherwise.</param>
    /// <param name="acceptEncoding">For the second-level key of responses that vary by encoding: the normalized Accept-Encoding.</param>
    /// <param name="hashThreshold">Keys longer than this are hashed.</param>
    public static string Build(HttpContext context, ResponseCachePolicy policy, string? user, string? acceptEncoding, int hashThreshold)
    {
        var request = context.Request;
        var writer = new KeyWriter(stackalloc char[256]);
        try
        {
            writer.AppendRaw(Prefix);
            writer.AppendRaw("GET|"); // HEAD reads GET entries and never stores (see docs), so the method is always GET.
            writer.AppendEscaped(request.Scheme);
            writer.Append('|');
            writer.AppendEscaped(request.Host.Value);
            writer.Append('|');
            writer.AppendEscaped(request.PathBase.Value);
            writer.Append('|');
            writer.AppendEscaped(request.Path.Value);
            writer.Append('|');
            AppendQuery(ref writer, request, policy);
            writer.AppendRaw("|h");
            AppendHeaders(ref writer, request, policy.HeaderNames);
            writer.AppendRaw("|r");
            AppendRouteValues(ref writer, request, policy.RouteValueNames);
            writer.AppendRaw("|u");
            if (user is null)
            {
                writer.Append('-');
            }
            else if (user.Length == 0)
            {
                writer.Append('0');
            }
            else
            {
                writer.Append('1');
                writer.AppendEscaped(user);
            }

            if (acceptEncoding is not null)
            {
                writer.AppendRaw("|e");
                writer.AppendEscaped(acceptEncoding);
            }

            return writer.Length <= hashThreshold ? writer.ToString() : Hash(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Accept-Encoding in one canonical form: codings (with their parameters) lower-cased, spaces removed, sorted, distinct.</summary>
    public static string NormalizeAcceptEncoding(StringValues values)
    {
        var tokens = new List<string>();
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var token = string.Concat(part.Where(static c => !char.IsWhiteSpace(c))).ToLowerInvariant();
                if (token.Length > 0 && !tokens.Contains(token, StringComparer.Ordinal))
                {
                    tokens.Add(token);
                }
            }
        }

        tokens.Sort(StringComparer.Ordinal);
        return string.Join(',', tokens);
    }

    private static void AppendQuery(ref KeyWriter writer, HttpRequest request, ResponseCachePolicy policy)
    {
        switch (policy.QueryMode)
        {
            case QueryVaryMode.All:
                writer.AppendRaw("q*");
                writer.AppendEscaped(request.QueryString.Value);
                return;
            case QueryVaryMode.None:
                writer.AppendRaw("q-");
                return;
        }

        writer.AppendRaw("ql");
        var query = request.Query;
        var keys = policy.QueryKeys;
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0)
            {
                writer.Append('&');
            }

            writer.AppendEscaped(keys[i]);
            if (query.TryGetValue(keys[i], out var values))
            {
                AppendValues(ref writer, values);
            }
            else
            {
                writer.Append('!');
            }
        }
    }

    private static void AppendHeaders(ref KeyWriter writer, HttpRequest request, string[] names)
    {
        var headers = request.Headers;
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                writer.Append('&');
            }

            writer.AppendEscaped(names[i]);
            if (headers.TryGetValue(names[i], out var values))
            {
                AppendValues(ref writer, values);
            }
            else
            {
                writer.Append('!');
            }
        }
    }

    private static void AppendRouteValues(ref KeyWriter writer, HttpRequest request, string[] names)
    {
        var routeValues = request.RouteValues;
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                writer.Append('&');
            }

            writer.AppendEscaped(names[i]);
            if (routeValues.TryGetValue(names[i], out var raw) && raw is not null)
            {
                writer.Append('=');
                writer.AppendEscaped(Convert.ToString(raw, CultureInfo.InvariantCulture));
            }
            else
            {
                writer.Append('!');
            }
        }
    }

    private static void AppendValues(ref KeyWriter writer, StringValues values)
    {
        writer.Append('=');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                writer.Append(',');
            }

            writer.AppendEscaped(values[i]);
        }
    }

    private static string Hash(ReadOnlySpan<char> key)
    {
        // The key is ASCII after escaping, so one byte per char is its exact form.
        var rented = ArrayPool<byte>.Shared.Rent(key.Length);
        try
        {
            var length = Encoding.Latin1.GetBytes(key, rented);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(rented.AsSpan(0, length), digest);
            return string.Concat(HashedPrefix, Base64Url.EncodeToString(digest));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Appends to a stack buffer, moving to pooled arrays when it grows.</summary>
    private ref struct KeyWriter
    {
        private Span<char> _buffer;
        private char[]? _rented;
        private int _length;

        public KeyWriter(Span<char> initial)
        {
            _buffer = initial;
            _rented = null;
            _length = 0;
        }

        public readonly int Length => _length;

        public readonly ReadOnlySpan<char> Written => _buffer[.._length];

        public void Append(char c)
        {
            if (_length == _buffer.Length)
            {
                Grow(1);
            }

            _buffer[_length++] = c;
        }

        public void AppendRaw(string value)
        {
            if (_length + value.Length > _buffer.Length)
            {
                Grow(value.Length);
            }

            value.CopyTo(_buffer[_length..]);
            _length += value.Length;
        }

        public void AppendEscaped(string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            var span = value.AsSpan();
            while (!span.IsEmpty)
            {
                var unsafeAt = span.IndexOfAnyExcept(s_safe);
                var run = unsafeAt < 0 ? span : span[..unsafeAt];
                if (_length + run.Length > _buffer.Length)
                {
                    Grow(run.Length);
                }

                run.CopyTo(_buffer[_length..]);
                _length += run.Length;
                if (unsafeAt < 0)
                {
                    return;
                }

                AppendEscape(span[unsafeAt]);
                span = span[(unsafeAt + 1)..];
            }
        }

        public override readonly string ToString() => new(_buffer[.._length]);

        public void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<char>.Shared.Return(_rented);
                _rented = null;
            }
        }

        private void AppendEscape(char c)
        {
            if (_length + 6 > _buffer.Length)
            {
                Grow(6);
            }

            _buffer[_length++] = '%';
            if (c < 0x80)
            {
                ((byte)c).TryFormat(_buffer[_length..], out var written, "X2", CultureInfo.InvariantCulture);
                _length += written;
            }
            else
            {
                _buffer[_length++] = 'u';
                ((ushort)c).TryFormat(_buffer[_length..], out var written, "X4", CultureInfo.InvariantCulture);
                _length += written;
            }
        }

        private void Grow(int needed)
        {
            var next = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
            _buffer[.._length].CopyTo(next);
            if (_rented is not null)
            {
                ArrayPool<char>.Shared.Return(_rented);
            }

            _rented = next;
            _buffer = next;
        }
    }
}
