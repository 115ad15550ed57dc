using HybridCacheKit.Shared;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Calls for data that is not a cache (sessions, through RedisDistributedCache's durable view). A cache call gives up
// after OperationTimeout (250 ms by default) and is refused while the breaker is open, because recomputing a value beats
// waiting for it; a session write that gives up loses the user's data, and the framework only logs that after the
// response has gone. So a durable call has its own, longer timeout, and the breaker neither refuses it nor counts it:
// - refusing it would drop session writes for the break duration whenever cache calls time out;
// - counting its failures would let a slow session write open the breaker for the cache, and counting its successes
//   would close a breaker opened by cache timeouts with a reply that took longer than a cache call may wait.
// It is still bounded (a frozen server fails it at its timeout) and still ends when its token is cancelled. Its
// deadlines come from slots of its own: sharing the cache's slots, tuned to one timeout, would make mixed timeouts open a
// new slot (a token source and a timer) on nearly every call.
internal sealed partial class RedisConnection
{
    /// <summary>
    /// <see cref="ExecuteAsync{TState, T}(string, TState, Func{IDatabase, TState, Task{T}}, CancellationToken)"/>, as a
    /// durable call when <paramref name="durable"/> is set.
    /// </summary>
    public Task<T> ExecuteAsync<TState, T>(string operation, TState state, Func<IDatabase, TState, Task<T>> call, DurableCalls? durable, CancellationToken cancellationToken)
        => RunAsync(operation, (state, call), static (c, s) => s.call(c.Database, s.state), durable, cancellationToken).AsTask();

    /// <summary>
    /// <see cref="ExecuteValueAsync{TState, T}(string, TState, Func{IDatabase, TState, Task{T}}, CancellationToken)"/>, as
    /// a durable call when <paramref name="durable"/> is set.
    /// </summary>
    public ValueTask<T> ExecuteValueAsync<TState, T>(string operation, TState state, Func<IDatabase, TState, Task<T>> call, DurableCalls? durable, CancellationToken cancellationToken)
        => RunAsync(operation, (state, call), static (c, s) => s.call(c.Database, s.state), durable, cancellationToken);
}

/// <summary>How durable calls wait: their timeout, and deadline slots of their own. One per durable view.</summary>
internal sealed class DurableCalls
{
    public DurableCalls(TimeSpan timeout, TimeProvider time)
    {
        if (timeout <= TimeSpan.Zero || timeout > HybridCacheKitRedisOptionsValidator.MaxDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The operation timeout must be positive and at most {HybridCacheKitRedisOptionsValidator.MaxDuration.TotalDays:0} days.");
        }

        Timeout = timeout;
        Deadlines = new DeadlineSlots(time);
    }

    public TimeSpan Timeout { get; }

    public DeadlineSlots Deadlines { get; }
}
