namespace HybridCacheKit.Distributed;

/// <summary>What a backplane reports to the engine. Implementations call these from any thread; they return quickly and never throw.</summary>
public interface IHybridCacheBackplaneListener
{
    /// <summary>Another instance changed something.</summary>
    /// <param name="message">The change.</param>
    void OnMessage(HybridCacheBackplaneMessage message);

    /// <summary>Messages may have been missed from now on (the subscription is down).</summary>
    void OnDisconnected();

    /// <summary>Messages are received again; anything sent while disconnected was lost.</summary>
    void OnReconnected();
}
