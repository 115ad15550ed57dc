namespace HybridCacheKit.StackExchangeRedis.Internal.Scripts;

/// <summary>
/// Writes an entry of Microsoft's RedisCache layout and its TTL in one command: what MULTI, HMSET, EXPIRE (or PERSIST),
/// EXEC does, atomically too (a script runs to completion before any other command), without the transaction's
/// client-side machinery (StackExchange.Redis 1.x also sends SELECT before every MULTI).
/// </summary>
/// <remarks>
/// <para>KEYS[1]: the entry. ARGV[1], ARGV[2]: <c>absexp</c> and <c>sldexp</c> (ticks, or -1 for none). ARGV[3]: the
/// payload. ARGV[4]: the TTL in whole seconds, or -1 for an entry without expiration (PERSIST, so the TTL of an entry it
/// replaces does not survive). Optional ARGV[5] and ARGV[6]: a backplane channel and the message announcing the write,
/// published after it, so the write and its announcement happen together (a script runs whole or, on an error before
/// the PUBLISH, announces nothing it did not do).</para>
/// <para>HMSET, not the multi-field HSET: it is the command the documented least-privilege ACL already grants
/// (docs/redis-layout.md), and it exists on every server version. A WRONGTYPE error (the key holds something else) stops
/// the script before it touches the TTL, and reaches the caller as the transaction's did.</para>
/// </remarks>
internal static class SetEntryScript
{
    public const string Text = """
        redis.call('HMSET', KEYS[1], 'absexp', ARGV[1], 'sldexp', ARGV[2], 'data', ARGV[3])
        if ARGV[4] == '-1' then
          redis.call('PERSIST', KEYS[1])
        else
          redis.call('EXPIRE', KEYS[1], ARGV[4])
        end
        if ARGV[5] then
          redis.call('PUBLISH', ARGV[5], ARGV[6])
        end
        return 1
        """;
}
