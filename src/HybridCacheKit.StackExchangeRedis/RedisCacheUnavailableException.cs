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

    /// <summary>
    /// Whether the command was handed to the connection before the failure (a timeout, or a connection lost with it in
    /// flight), so Redis may have run it or may still run it; false when it was never sent (an open circuit, no
    /// connection yet).
    /// </summary>
    internal bool MayHaveRun { get; init; }
}
