namespace HybridCacheKit.Distributed;

/// <summary>
/// Optionally implemented by the L2 <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> to declare
/// that its asynchronous calls honour their <see cref="CancellationToken"/> promptly: once the token is cancelled, the
/// call ends soon after (cancelled or failed) even if the server never answers. The engine then bounds an L2 call by
/// cancelling the token it passes (at <see cref="HybridCacheKitOptions.DistributedCacheTimeout"/>, or when every caller
/// has cancelled) and awaits the call itself, instead of also waiting beside it, which saves a task and a wait per call.
/// </summary>
/// <remarks>
/// <para>Declare it only if it holds for every asynchronous method, against a server that hangs: the engine does not
/// bound a call to an L2 that declares it by any other means, so a call that ignores its token waits as long as the
/// L2 does. An L2 that does not implement this interface, or reports <see langword="false"/>, is waited for with the
/// engine's own bounded wait, so even one that ignores its token is abandoned at the timeout.</para>
/// <para>The engine reads <see cref="HonorsCancellation"/> once, when it is created.</para>
/// </remarks>
public interface IHybridCacheDistributedCacheCancellation
{
    /// <summary>Whether every asynchronous call ends promptly once its cancellation token is cancelled.</summary>
    bool HonorsCancellation { get; }
}
