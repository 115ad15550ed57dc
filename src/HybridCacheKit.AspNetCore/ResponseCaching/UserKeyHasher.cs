using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// The user part of a VaryByUser key: HMAC-SHA256 under <see cref="DistributedResponseCacheOptions.UserHashSecret"/>,
/// base64url, of the user's id claim together with the claim's type and issuer, taken from an authenticated identity
/// only. Ids from different id spaces (an API-key scheme whose holder picks a name "42" and a cookie user whose
/// NameIdentifier is 42; two external login providers) therefore never share a key. The input is hashed as UTF-16 code
/// units, each part after its length, so two different inputs never share a hash input (UTF-8 would map every lone
/// surrogate to the same replacement character, and plain concatenation is ambiguous).
/// </summary>
internal sealed class UserKeyHasher
{
    private static readonly byte[] s_defaultKey = "HybridCacheKit.AspNetCore response cache user key v1"u8.ToArray();

    private readonly byte[] _key;

    public UserKeyHasher(string? secret)
    {
        _key = string.IsNullOrEmpty(secret) ? s_defaultKey : Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The user's key part; null when no authenticated identity has an id to tell the user apart (such requests are not cached).</summary>
    public string? Hash(ClaimsPrincipal user)
    {
        var claim = FindId(user, ClaimTypes.NameIdentifier) ?? FindId(user, "sub") ?? FindId(user, null);
        if (claim is null)
        {
            return null;
        }

        var length = Framed(claim.Type) + Framed(claim.Issuer) + Framed(claim.Value);
        char[]? rented = null;
        var input = length <= 256 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        var written = Frame(input, claim.Type);
        written += Frame(input[written..], claim.Issuer);
        Frame(input[written..], claim.Value);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, MemoryMarshal.AsBytes(input), mac);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return Base64Url.EncodeToString(mac);
    }

    // A part is framed as its length (two chars, the high and low 16 bits) and its chars: no two inputs frame alike.
    private static int Framed(string part) => 2 + part.Length;

    private static int Frame(Span<char> destination, string part)
    {
        destination[0] = (char)(part.Length >> 16);
        destination[1] = (char)part.Length;
        part.CopyTo(destination[2..]);
        return Framed(part);
    }

    /// <summary>The first non-empty claim of <paramref name="type"/> (null: the identity's name claim) on an authenticated identity.</summary>
    private static Claim? FindId(ClaimsPrincipal user, string? type)
    {
        foreach (var identity in user.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            var claim = identity.FindFirst(type ?? identity.NameClaimType);
            if (claim is { Value.Length: > 0 })
            {
                return claim;
            }
        }

        return null;
    }
}
