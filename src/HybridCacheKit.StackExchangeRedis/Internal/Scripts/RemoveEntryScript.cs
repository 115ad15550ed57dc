namespace HybridCacheKit.StackExchangeRedis.Internal.Scripts;

/// <summary>
/// Removes an entry and publishes the backplane message announcing it, in one command: the removal and its
/// announcement happen together.
/// </summary>
/// <remarks>
/// <para>KEYS[1]: the entry. ARGV[1]: the backplane channel. ARGV[2]: the message. Returns the number of keys removed.</para>
/// <para>The PUBLISH is not a key command, so in a Redis Cluster the script stays on the entry's slot; the cluster
/// forwards the message to every node as it does any PUBLISH.</para>
/// </remarks>
internal static class RemoveEntryScript
{
    public const string Text = """
        local removed = redis.call('DEL', KEYS[1])
        redis.call('PUBLISH', ARGV[1], ARGV[2])
        return removed
        """;
}
