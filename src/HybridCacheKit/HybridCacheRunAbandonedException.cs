namespace HybridCacheKit;

/// <summary>
/// Thrown by a factory to end its run without a value when nothing failed: the caller the factory was working for has
/// gone (for example the HTTP request it was producing a response for was aborted), and what it made is not fit to
/// hand to anyone else.
/// </summary>
/// <remarks>
/// <para>Any other exception of a factory is a failure: with fail-safe on, the callers get the stale value and the key
/// is throttled for <see cref="HybridCacheKitOptions.FailSafeThrottleDuration"/>. This one is not. Nothing is stored,
/// no stale value is served or throttled, <c>hybridcache.factory.errors</c> does not count it, and every caller of
/// the run receives this exception, so a caller that is still there can look the key up again, which starts a new run.
/// </para>
/// <para>It is an <see cref="OperationCanceledException"/> because it is one: should it reach an ASP.NET Core pipeline,
/// the server treats it as the aborted request it is.</para>
/// </remarks>
public class HybridCacheRunAbandonedException : OperationCanceledException
{
    private const string DefaultMessage = "The cache factory's run was abandoned: the caller it worked for has gone.";

    /// <summary>Creates the exception with the default message.</summary>
    public HybridCacheRunAbandonedException()
        : base(DefaultMessage)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was abandoned, and why.</param>
    public HybridCacheRunAbandonedException(string? message)
        : base(message ?? DefaultMessage)
    {
    }

    /// <summary>Creates the exception with a message and the exception that made the factory give up.</summary>
    /// <param name="message">What was abandoned, and why.</param>
    /// <param name="innerException">The exception that ended the factory's work, for example the aborted request's cancellation.</param>
    public HybridCacheRunAbandonedException(string? message, Exception? innerException)
        : base(message ?? DefaultMessage, innerException)
    {
    }
}
