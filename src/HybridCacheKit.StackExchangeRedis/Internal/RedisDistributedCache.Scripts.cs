using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Whether this cache may use Lua (the read-and-refresh script and the write script). It starts from HybridCacheKitRedisOptions.UseScripts and turns off for good the first
// time the server (or the client's command map) refuses EVAL/EVALSHA, so a locked-down Redis costs one failed command,
// not one per read. Granting the commands later takes a restart of the application.
internal sealed partial class RedisDistributedCache
{
    private int _scriptsRefused;
    private Action? _scriptSentAgain;

    /// <summary>Event 2101, when the server had lost the cache's script and it was sent again.</summary>
    private Action ScriptSentAgain => _scriptSentAgain ??= () => Log.ScriptReloaded(_logger);

    /// <summary>Whether reads still try the one-round-trip script.</summary>
    internal bool UsesScripts => Volatile.Read(ref _scriptsRefused) == 0;

    /// <summary>
    /// Runs <paramref name="script"/> on one key as a connection operation of its own (timeout, breaker, cancellation,
    /// sent again after NOSCRIPT); <see langword="null"/> when the server refuses scripts.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RedisResult?> TryEvaluateAsync(string operation, string script, RedisKey key, RedisValue[] args, CancellationToken token)
    {
        try
        {
            return await _connection.EvaluateAsync(operation, script, key, args, _durable, ScriptSentAgain, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ScriptRefusal(ex) is { } reason)
        {
            OnScriptsRefused(reason);
            return null;
        }
    }

    /// <summary>Stops using scripts; logs the first time only, even when concurrent reads are refused together.</summary>
    private void OnScriptsRefused(string reason)
    {
        if (Interlocked.Exchange(ref _scriptsRefused, 1) == 0)
        {
            Log.ScriptsRefused(_logger, reason);
        }
    }

    /// <summary>
    /// Why <paramref name="ex"/> means "scripts are not available here", or <see langword="null"/> for any other error.
    /// The reason is a fixed phrase: the server's text can quote the command's arguments, keys included.
    /// </summary>
    internal static string? ScriptRefusal(Exception ex) => ex switch
    {
        RedisServerException => ServerScriptRefusal(ex.Message),

        // ConfigurationOptions.CommandMap disabled EVAL or EVALSHA on the client.
        RedisCommandException when ex.Message.Contains("EVAL", StringComparison.OrdinalIgnoreCase) => "the client's command map disables EVAL/EVALSHA",
        _ => null,
    };

    /// <summary>The refusal reason for a server error message, or <see langword="null"/> when it is not about scripting.</summary>
    internal static string? ServerScriptRefusal(string message)
    {
        // ACL: "NOPERM this user has no permissions to run the 'evalsha' command". A NOPERM about keys or about a command
        // inside the script is not about scripting; the plain commands would fail the same way.
        if (message.StartsWith("NOPERM", StringComparison.Ordinal) && message.Contains("'eval", StringComparison.OrdinalIgnoreCase))
        {
            return "NOPERM: the ACL user may not run EVAL/EVALSHA";
        }

        // rename-command EVAL "" or a Redis-compatible server without Lua.
        if (message.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase) && message.Contains("'eval", StringComparison.OrdinalIgnoreCase))
        {
            return "the server does not know EVAL/EVALSHA";
        }

        return null;
    }
}
