using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Security;

/// <summary>
/// Locks the <c>default</c> user of a test server down to one key prefix and a command list (StackExchange.Redis
/// 1.2.6 can only send <c>AUTH password</c>, which authenticates as <c>default</c>), keeping an unrestricted admin
/// user for the test's own checks; and reads <c>ACL LOG</c>.
/// </summary>
internal static class RedisAcl
{
    public const string ClientPassword = "app-Password-42";

    /// <summary>
    /// Client settings for a locked-down server: <c>tiebreaker=</c> and <c>configChannel=</c> stop the client from
    /// touching its own key and channel (outside the prefix), <c>$CONFIG=</c> stops it from sending CONFIG GET at
    /// connect. Without them the connection still works; the server just logs refused commands.
    /// </summary>
    public const string ClientSettings = $"password={ClientPassword},tiebreaker=,configChannel=,$CONFIG=";

    private const string AdminUser = "hck-test-admin";
    private const string AdminPassword = "admin-Password-42";

    /// <summary>
    /// The commands the whole package needs (cache, sliding refresh, tags, backplane, lock, key ring, health check),
    /// as documented in docs/redis-operations.md.
    /// </summary>
    public static readonly string[] Commands =
    [
        // connection handshake and health check (StackExchange.Redis sends SELECT before a transaction)
        "ping", "echo", "info", "cluster|nodes", "select",

        // IDistributedCache (Microsoft's hash layout; also the engine's tag records): HMSET with EXPIRE (or PERSIST for
        // an entry without expiry) inside the write script, or in a MULTI/EXEC without scripts; HMGET, DEL
        "hmget", "hmset", "expire", "persist", "del", "multi", "exec",

        // one-round-trip sliding refresh and lock scripts; optional: without them the package falls back to plain commands
        "eval", "evalsha", "script|load",

        // backplane (messages and self-heartbeat) and lock release announcements
        "subscribe", "unsubscribe", "publish",

        // distributed lock: SET NX PX, PTTL, GET+DEL (inside the scripts), or WATCH/GET/MULTI/DEL/EXEC without scripts;
        // PEXPIRE renews a lock while its owner computes
        "set", "get", "pttl", "pexpire", "watch", "unwatch",

        // Data Protection key ring
        "lrange", "rpush",
    ];

    /// <summary>
    /// What <c>RedisValueLayout.PlainString</c> adds (docs/redis-operations.md): StackExchange.Redis 1.2.6 writes a value with
    /// a TTL as PSETEX or SETEX (SET without one), and Refresh checks the key with EXISTS; reads are GET, removals DEL.
    /// </summary>
    public static readonly string[] PlainStringCommands = ["setex", "psetex", "exists"];

    /// <summary>The script commands, for the "EVAL forbidden" variant.</summary>
    public static readonly string[] ScriptCommands = ["eval", "evalsha", "script|load"];

    /// <summary>Creates the admin user, then restricts <c>default</c> to <paramref name="prefix"/> and <paramref name="commands"/>.</summary>
    public static async Task RestrictDefaultUserAsync(RedisServer server, string prefix, IEnumerable<string> commands)
    {
        await using var client = await server.CreateClientAsync();
        Ok(await client.ExecuteAsync("ACL", "SETUSER", AdminUser, "on", ">" + AdminPassword, "~*", "&*", "+@all"));
        Ok(await client.ExecuteAsync(["ACL", "SETUSER", "default", "reset", "on", ">" + ClientPassword, "~" + prefix + "*", "&" + prefix + "*", .. commands.Select(c => "+" + c)]));
    }

    /// <summary>A raw client authenticated as the unrestricted admin user.</summary>
    public static async Task<RespClient> AdminAsync(RedisServer server)
    {
        var client = await server.CreateClientAsync();
        Ok(await client.ExecuteAsync("AUTH", AdminUser, AdminPassword));
        return client;
    }

    /// <summary>The refusals the server logged, as "reason:object" (for example <c>command:eval</c>, <c>key:other:k</c>).</summary>
    public static async Task<IReadOnlyList<string>> RefusalsAsync(RedisServer server)
    {
        await using var admin = await AdminAsync(server);
        var log = await admin.ExecuteAsync("ACL", "LOG");
        return log.Items!.Select(entry =>
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < entry.Items!.Count; i += 2)
            {
                fields[entry.Items[i].Text!] = entry.Items[i + 1].ToString();
            }

            return fields["reason"] + ":" + fields["object"];
        }).ToArray();
    }

    private static void Ok(RespReply reply)
    {
        if (reply.IsError || reply.Text != "OK")
        {
            throw new InvalidOperationException("ACL setup failed: " + reply);
        }
    }
}
