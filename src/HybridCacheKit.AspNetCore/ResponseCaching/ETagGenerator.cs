using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// Strong entity tags for stored responses: the first 128 bits of SHA-256 over the Content-Encoding and the body,
/// base64url, quoted. Computed once, when the response is stored; equal bodies in equal encodings get equal tags on every node.
/// </summary>
internal static class ETagGenerator
{
    public static string Compute(StringValues contentEncoding, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var encoding = contentEncoding.ToString();
        hash.AppendData(Encoding.UTF8.GetBytes(encoding.Length + ":" + encoding));
        hash.AppendData(body);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        return string.Concat("\"", Base64Url.EncodeToString(digest[..16]), "\"");
    }
}
