namespace HybridCacheKit.Distributed;

/// <summary>
/// Carries change notifications between the instances that share one L2, so each can evict its stale L1 copies.
/// The engine uses the one registered in the container (the Redis package registers a pub/sub backplane).
/// </summary>
public interface IHybridCacheBackplane
{
    /// <summary>Whether messages are being received right now. While false, the engine distrusts its L1 (see the README's guarantees).</summary>
    bool IsConnected { get; }

    /// <summary>Starts delivering other instances' messages, and connection changes, to <paramref name="listener"/>. Called once per engine.</summary>
    /// <param name="listener">The engine's handler.</param>
    void Subscribe(IHybridCacheBackplaneListener listener);

    /// <summary>Sends a message to every other instance. Transport failures are reported by returning <see langword="false"/>, never thrown.</summary>
    /// <param name="message">The change.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Whether the message was handed to the transport.</returns>
    ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken);
}
