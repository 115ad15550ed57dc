namespace HybridCacheKit.StackExchangeRedis.Internal.Scripts;

/// <summary>
/// Reads an entry of Microsoft's RedisCache layout and, when it has a sliding expiration, renews its TTL in the same
/// call: one round trip instead of HMGET then EXPIRE. The TTL rule is the writer's (docs/redis-layout.md):
/// min(sliding, absolute remaining), in whole seconds rounded up; nothing is done once the absolute expiration has
/// passed (the caller reports a miss and the key's own TTL removes it).
/// </summary>
/// <remarks>
/// <para>KEYS[1]: the entry. ARGV[1]: the caller's current time in UTC ticks, so the injected <see cref="TimeProvider"/>
/// decides "now" exactly as it does when the entry is written (the server clock and <c>TIME</c> are not used).
/// ARGV[2]: <c>1</c> to return the payload, <c>0</c> for a refresh that only needs the metadata.</para>
/// <para>Returns the HMGET reply unchanged: { absexp, sldexp [, data] }, nil for a missing field or key.</para>
/// <para>Lua numbers are doubles: tick values (about 6.4e17) lose their last 7 bits, an error of at most a few
/// microseconds in a TTL counted in whole seconds.</para>
/// </remarks>
internal static class GetAndRefreshScript
{
    public const string Text = """
        local fields
        if ARGV[2] == '1' then
          fields = redis.call('HMGET', KEYS[1], 'absexp', 'sldexp', 'data')
        else
          fields = redis.call('HMGET', KEYS[1], 'absexp', 'sldexp')
        end
        local sliding = tonumber(fields[2])
        if sliding and sliding > 0 then
          local ttl = sliding
          local absolute = tonumber(fields[1])
          if absolute and absolute ~= -1 then
            local remaining = absolute - tonumber(ARGV[1])
            if remaining < ttl then ttl = remaining end
          end
          if ttl > 0 then
            redis.call('EXPIRE', KEYS[1], math.ceil(ttl / 10000000))
          end
        end
        return fields
        """;
}
