using System.ComponentModel;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>What a cache entry holds.</summary>
internal enum CachedResponseKind : byte
{
    /// <summary>A stored response.</summary>
    Response = 0,

    /// <summary>The endpoint's responses vary by Accept-Encoding: look up the second-level key that includes it.</summary>
    VaryByEncoding = 1,

    /// <summary>Handed to requests that waited for another request's run whose response could not be cached. Never stored.</summary>
    NotCacheable = 2,
}

/// <summary>
/// A stored response: status, headers and body. Immutable and sealed with <c>[ImmutableObject(true)]</c>, so the engine
/// keeps the instance itself in L1 and a hit costs no deserialization. Headers are validated when an instance is made
/// (at store time and when read from L2), so serving a hit copies them without further checks.
/// </summary>
[ImmutableObject(true)]
internal sealed class CachedResponse
{
    /// <summary>The most headers an entry may carry.</summary>
    public const int MaxHeaders = 1000;

    /// <summary>The most values one header may carry.</summary>
    public const int MaxValuesPerHeader = 1000;

    public static readonly CachedResponse NotCacheable = new(CachedResponseKind.NotCacheable);

    public static readonly CachedResponse VaryByEncoding = new(CachedResponseKind.VaryByEncoding);

    // Never stored: the server writes them itself (Date, Server, Content-Length), they describe one connection, or they
    // must never be replayed to another client (Set-Cookie). A forged entry carrying one is rejected as corrupt.
    private static readonly HashSet<string> s_forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "Set-Cookie", "Content-Length", "Date", "Server", "Age", "Connection", "Keep-Alive", "Transfer-Encoding",
        "Upgrade", "Proxy-Connection", "TE", "Trailer", "Proxy-Authenticate", "Proxy-Authorization", "Alt-Svc",
    };

    // What a 304 repeats from the 200 (RFC 9110 section 15.4.5), besides Date and Age.
    private static readonly HashSet<string> s_notModified = new(StringComparer.OrdinalIgnoreCase)
    {
        "ETag", "Cache-Control", "Content-Location", "Expires", "Vary", "Last-Modified",
    };

    private CachedResponse(CachedResponseKind kind)
    {
        Kind = kind;
        Headers = [];
        NotModifiedHeaders = [];
        Body = [];
    }

    /// <summary>Makes a response entry; throws <see cref="InvalidDataException"/> when a header cannot be stored or served.</summary>
    public CachedResponse(int statusCode, long storedUtcTicks, KeyValuePair<string, StringValues>[] headers, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        if (statusCode is < 200 or > 599)
        {
            throw new InvalidDataException($"Status {statusCode} cannot be stored.");
        }

        if (headers.Length > MaxHeaders)
        {
            throw new InvalidDataException("Too many headers.");
        }

        Kind = CachedResponseKind.Response;
        StatusCode = statusCode;
        StoredUtcTicks = storedUtcTicks;
        Headers = headers;
        Body = body;
        var notModified = new List<KeyValuePair<string, StringValues>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            Validate(name, value);
            if (!seen.Add(name))
            {
                throw new InvalidDataException("A header appears twice.");
            }

            if (s_notModified.Contains(name))
            {
                notModified.Add(new(name, value));
            }

            if (string.Equals(name, HeaderNames.ETag, StringComparison.OrdinalIgnoreCase))
            {
                ETag = value.Count == 1 && EntityTagHeaderValue.TryParse(value[0], out var tag) ? tag : null;
            }
            else if (string.Equals(name, HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase)
                && value.Count == 1 && HeaderUtilities.TryParseDate(value[0], out var lastModified))
            {
                LastModified = lastModified;
            }
        }

        NotModifiedHeaders = [.. notModified];
    }

    public CachedResponseKind Kind { get; }

    public int StatusCode { get; }

    /// <summary>When the response was stored (UTC ticks); the Age header counts from it.</summary>
    public long StoredUtcTicks { get; }

    /// <summary>The headers to replay, validated; without Content-Length (the body's length is sent) and the forbidden ones.</summary>
    public KeyValuePair<string, StringValues>[] Headers { get; }

    /// <summary>The subset a 304 repeats.</summary>
    public KeyValuePair<string, StringValues>[] NotModifiedHeaders { get; }

    public byte[] Body { get; }

    /// <summary>The response's entity tag, when it has one that parses.</summary>
    public EntityTagHeaderValue? ETag { get; }

    /// <summary>The response's Last-Modified, when it has one that parses.</summary>
    public DateTimeOffset? LastModified { get; }

    /// <summary>Whether a header name is never stored.</summary>
    public static bool IsForbidden(string name) => s_forbidden.Contains(name);

    private static void Validate(string name, StringValues value)
    {
        if (string.IsNullOrEmpty(name) || s_forbidden.Contains(name))
        {
            throw new InvalidDataException("A header name is empty or may not be stored.");
        }

        foreach (var c in name)
        {
            if (!IsTokenChar(c))
            {
                throw new InvalidDataException("A header name is not a token.");
            }
        }

        if (value.Count is 0 or > MaxValuesPerHeader)
        {
            throw new InvalidDataException("A header has no value or too many.");
        }

        foreach (var v in value)
        {
            if (v is null)
            {
                throw new InvalidDataException("A header value is null.");
            }

            foreach (var c in v)
            {
                // Kestrel's default: visible ASCII, space and tab. Anything else would fail when written.
                if (c != '\t' && c is < ' ' or > '~')
                {
                    throw new InvalidDataException("A header value holds a character Kestrel would refuse.");
                }
            }
        }
    }

    private static bool IsTokenChar(char c)
        => char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
