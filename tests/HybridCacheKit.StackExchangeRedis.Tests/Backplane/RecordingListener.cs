using System.Collections.Concurrent;
using HybridCacheKit.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>Records what a backplane reports, in order.</summary>
internal sealed class RecordingListener : IHybridCacheBackplaneListener
{
    private readonly ConcurrentQueue<string> _events = new();
    private readonly ConcurrentQueue<HybridCacheBackplaneMessage> _messages = new();

    public IReadOnlyList<HybridCacheBackplaneMessage> Messages => [.. _messages];

    /// <summary>"disconnected" / "reconnected" in the order reported.</summary>
    public IReadOnlyList<string> ConnectionEvents => [.. _events];

    public void OnMessage(HybridCacheBackplaneMessage message) => _messages.Enqueue(message);

    public void OnDisconnected() => _events.Enqueue("disconnected");

    public void OnReconnected() => _events.Enqueue("reconnected");
}
