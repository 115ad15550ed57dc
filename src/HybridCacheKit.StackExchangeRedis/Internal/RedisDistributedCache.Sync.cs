using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// The synchronous IDistributedCache/IBufferDistributedCache methods: ASP.NET Core's DistributedSession when an app reads
// HttpContext.Session without LoadAsync, and older code. They run the asynchronous path (same commands, layout, script
// fallback, breaker and logging) and block on it, but the caller's own thread enforces the time limit.
//
// Why not the async path's timeout alone: that timeout is a timer, and timer callbacks, StackExchange.Redis 1.x's reply
// reading (ReadAsync plus a continuation) and its task completions all run on thread-pool threads. When blocked callers
// starve the pool, none of them runs, so a blocked caller waited until the pool added a thread (about one a second once
// starved): measured with a 250 ms timeout, about 1 s per call with the pool saturated, up to 9 s in a burst of 200
// callers, and no end at all while the pool may not grow (SyncStarvationTests).
//
// Why not StackExchange.Redis's synchronous API (what Microsoft's RedisCache uses, bounded by SyncTimeout): in 1.2.6 on
// .NET the reply is still read by a thread-pool continuation, so on a starved pool a synchronous command does not
// complete either; it only stops at SyncTimeout, a per-multiplexer setting (1 s by default) that an application's own
// multiplexer keeps. Measured with the pool saturated: 1.0 s and RedisTimeoutException for every call. A timed wait on
// the caller's thread gives the same guarantee with this package's OperationTimeout, for any multiplexer, without a
// second copy of the command logic. In StackExchange.Redis 2.x, whose reader threads are its own, the synchronous API
// would also let replies arrive under starvation; revisit on upgrade.
internal sealed partial class RedisDistributedCache
{
    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WaitBounded("get", GetAsync(key), ReadRoundTrips());
    }

    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(destination);
        return WaitBounded("get", TryGetAsync(key, destination).AsTask(), ReadRoundTrips());
    }

    public void Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        WaitBounded("refresh", RefreshAsync(key), ReadRoundTrips());
    }

    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        WaitBounded("remove", RemoveAsync(key), roundTrips: 1);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
        => WaitBounded("set", SetAsync(key, value, options), WriteRoundTrips());

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options)
        => WaitBounded("set", SetAsync(key, value, options).AsTask(), WriteRoundTrips());

    /// <summary>
    /// Commands a read may send one after another, each under its own operation timeout: HMGET then EXPIRE for a sliding
    /// entry without scripts, or EVAL after EVALSHA was answered NOSCRIPT; one in the plain layout. The first refusal of
    /// scripts (once per process) chains up to four; only if Redis answers each slowly can that sync call give up
    /// before the async one would.
    /// </summary>
    private int ReadRoundTrips() => _plainStrings ? 1 : 2;

    /// <summary>EVALSHA, then EVAL after NOSCRIPT (or MULTI/EXEC after the first refusal); MULTI/EXEC alone without scripts.</summary>
    private int WriteRoundTrips() => _plainStrings || !UsesScripts ? 1 : 2;

    /// <summary>
    /// Blocks until <paramref name="task"/> ends or its limit (<see cref="SyncLimit"/>) has passed. While the thread pool
    /// runs, the task ends first, by its own timeout if Redis does not answer; the limit only matters when the pool cannot
    /// run that timeout. The abandoned call still ends later, counting its failure or success in the circuit breaker as
    /// any call does.
    /// </summary>
    private void WaitBounded(string operation, Task task, int roundTrips)
    {
        var limit = SyncLimit(roundTrips);
        if (!task.IsCompleted && !WaitQuietly(task, limit))
        {
            Observe(task);
            throw new RedisCacheUnavailableException($"Redis {operation} failed: no answer within {limit}.")
            {
                MayHaveRun = true,
            };
        }

        task.GetAwaiter().GetResult();
    }

    private T WaitBounded<T>(string operation, Task<T> task, int roundTrips)
    {
        WaitBounded(operation, (Task)task, roundTrips);
        return task.Result;
    }

    /// <summary>
    /// Each command's timeout and deadline slot (RedisConnection), plus one more timeout of grace: on a loaded machine the
    /// async path's own timeout runs late, and this limit is a backstop for a starved pool, not a second, earlier timeout.
    /// </summary>
    private TimeSpan SyncLimit(int roundTrips)
    {
        // A durable view's calls (sessions) wait for their own, longer timeout.
        var timeout = _durable?.Timeout ?? _connection.Options.OperationTimeout;
        var slot = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, timeout.Ticks / 16));
        return ((timeout + slot) * roundTrips) + timeout;
    }

    /// <summary>A timed wait on this thread (no timer, no pool thread); a faulted task counts as ended.</summary>
    private static bool WaitQuietly(Task task, TimeSpan limit)
    {
        try
        {
            return task.Wait(limit);
        }
        catch (AggregateException)
        {
            return true;
        }
    }
}
