namespace HybridCacheKit.StackExchangeRedis;

/// <summary>
/// Redis could not serve an operation: it timed out, the connection is down, the cluster is down, or the circuit
/// breaker is open after repeated failures. The message names the operation and the cause, never a key or a value; the
/// original exception is kept as the inner exception only when its message cannot carry keys (StackExchange.Redis adds
/// the command and key to its messages when the multiplexer's <c>IncludeDetailInExceptions</c> is on; the package's own
/// multiplexer has it off). The HybridCacheKit engine
/// catches it and serves from L1 or the factory; direct users of the Redis <c>IDistributedCache</c> see it.
/// </summary>
public sealed class RedisCacheUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisCacheUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public RedisCacheUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public RedisCacheUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether Redis did not answer in time (as opposed to a connection that is down, or an open circuit).</summary>
    internal bool IsTimeout { get; init; }
}
