using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// The data layout of Microsoft's RedisCache (docs/redis-layout.md): one hash per entry with the absolute expiration as
// UTC ticks, the sliding expiration as ticks (-1 for "none" in both) and the payload; the Redis TTL in whole seconds is
// min(absolute remaining, sliding), or whichever is set, or none.
internal sealed partial class RedisDistributedCache
{
    internal const string AbsoluteExpirationField = "absexp";
    internal const string SlidingExpirationField = "sldexp";
    internal const string DataField = "data";
    internal const long NotPresent = -1;

    // EXPIRE takes seconds; TimeSpan.FromSeconds must not overflow for huge expirations.
    private const long MaxTtlSeconds = long.MaxValue / TimeSpan.TicksPerSecond;

    private static readonly RedisValue[] MetadataAndDataFields = [AbsoluteExpirationField, SlidingExpirationField, DataField];
    private static readonly RedisValue[] MetadataFields = [AbsoluteExpirationField, SlidingExpirationField];

    /// <summary>
    /// The absolute expiration of a new entry: relative expiration counts from <paramref name="now"/> (the injected
    /// clock); an absolute expiration not after <paramref name="now"/> is refused, as Microsoft's RedisCache does.
    /// </summary>
    internal static DateTimeOffset? GetAbsoluteExpiration(DateTimeOffset now, DistributedCacheEntryOptions options)
    {
        if (options.AbsoluteExpiration is { } absolute && absolute <= now)
        {
#pragma warning disable CA2208 // Same parameter name and message as Microsoft's RedisCache, so callers see no difference.
            throw new ArgumentOutOfRangeException(nameof(DistributedCacheEntryOptions.AbsoluteExpiration), absolute, "The absolute expiration value must be in the future.");
#pragma warning restore CA2208
        }

        return options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : options.AbsoluteExpiration;
    }

    /// <summary>
    /// The Redis TTL in whole seconds for an entry read or written at <paramref name="nowUtcTicks"/>, or
    /// <see langword="null"/> for no TTL. Rounded up so Redis never drops an entry before it is due (the reader checks
    /// <c>absexp</c> itself); zero or less means the absolute expiration has passed.
    /// </summary>
    internal static long? GetTtlSeconds(long nowUtcTicks, long? absoluteUtcTicks, long? slidingTicks)
    {
        long? remaining = absoluteUtcTicks is { } absolute ? absolute - nowUtcTicks : null;
        long? ticks = (remaining, slidingTicks) switch
        {
            ({ } r, { } s) => Math.Min(r, s),
            ({ } r, null) => r,
            (null, { } s) => s,
            _ => null,
        };
        if (ticks is not { } t)
        {
            return null;
        }

        return t <= 0 ? 0 : Math.Min(MaxTtlSeconds, (t / TimeSpan.TicksPerSecond) + (t % TimeSpan.TicksPerSecond == 0 ? 0 : 1));
    }

    private static HashEntry[] CreateFields(long? absoluteUtcTicks, long? slidingTicks, byte[] data) =>
    [
        new(AbsoluteExpirationField, absoluteUtcTicks ?? NotPresent),
        new(SlidingExpirationField, slidingTicks ?? NotPresent),
        new(DataField, data),
    ];

    /// <summary>Reads <c>absexp</c> or <c>sldexp</c>: a tick count, or <see langword="null"/> when absent, -1 or not a number.</summary>
    private static long? ParseTicks(RedisValue value)
        => !value.IsNull && value.TryParse(out long ticks) && ticks != NotPresent ? ticks : null;

    /// <summary>What one HMGET (from the script or the fallback) found.</summary>
    private readonly record struct StoredEntry(long? AbsoluteUtcTicks, long? SlidingTicks, byte[]? Data)
    {
        public static StoredEntry Parse(RedisValue[] fields, bool withData)
            => new(
                fields.Length > 0 ? ParseTicks(fields[0]) : null,
                fields.Length > 1 ? ParseTicks(fields[1]) : null,
                withData && fields.Length > 2 && !fields[2].IsNull ? (byte[]?)fields[2] : null);

        /// <summary>
        /// The payload, unless the absolute expiration has passed (Redis keeps the key up to a second longer, as its
        /// TTL is rounded up to whole seconds).
        /// </summary>
        public byte[]? DataAt(long nowUtcTicks) => AbsoluteUtcTicks is { } absolute && absolute <= nowUtcTicks ? null : Data;
    }
}
