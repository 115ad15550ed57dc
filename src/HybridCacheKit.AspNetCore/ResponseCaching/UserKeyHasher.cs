using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// The user part of a VaryByUser key: HMAC-SHA256 of the user id under <see cref="DistributedResponseCacheOptions.UserHashSecret"/>,
/// base64url. The id is hashed as its UTF-16 code units, so two different ids never share a hash input (UTF-8 would
/// map every lone surrogate to the same replacement character).
/// </summary>
internal sealed class UserKeyHasher
{
    private static readonly byte[] s_defaultKey = "HybridCacheKit.AspNetCore response cache user key v1"u8.ToArray();

    private readonly byte[] _key;

    public UserKeyHasher(string? secret)
    {
        _key = string.IsNullOrEmpty(secret) ? s_defaultKey : Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The user's key part; null when the user has no id to tell them apart (such requests are not cached).</summary>
    public string? Hash(ClaimsPrincipal user)
    {
        var id = user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.FindFirst("sub")?.Value ?? user.Identity?.Name;
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, MemoryMarshal.AsBytes(id.AsSpan()), mac);
        return Base64Url.EncodeToString(mac);
    }
}
