using System.Diagnostics;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Redis.LagProbe;

/// <summary>
/// Wraps the registered backplane (public seam only) to take two timestamps: when the engine starts publishing a change
/// (sender), and when the engine's listener has handled a received change, i.e. its L1 copy is evicted (receiver).
/// </summary>
internal sealed class TimestampingBackplane(IHybridCacheBackplane inner) : IHybridCacheBackplane
{
    public long LastPublishStarted { get; private set; }

    /// <summary>Completed with the Stopwatch timestamp at which the listener returned from a received change.</summary>
    public TaskCompletionSource<long> Handled { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsConnected => inner.IsConnected;

    /// <summary>Replaces the container's backplane registration with a wrapper around it.</summary>
    public static void Install(IServiceCollection services)
    {
        var original = services.Single(d => d.ServiceType == typeof(IHybridCacheBackplane));
        services.Remove(original);
        services.AddSingleton(sp => new TimestampingBackplane((IHybridCacheBackplane)original.ImplementationFactory!(sp)));
        services.AddSingleton<IHybridCacheBackplane>(sp => sp.GetRequiredService<TimestampingBackplane>());
    }

    public void Subscribe(IHybridCacheBackplaneListener listener) => inner.Subscribe(new Listener(this, listener));

    public ValueTask<bool> PublishAsync(HybridCacheBackplaneMessage message, CancellationToken cancellationToken)
    {
        LastPublishStarted = Stopwatch.GetTimestamp();
        return inner.PublishAsync(message, cancellationToken);
    }

    private sealed class Listener(TimestampingBackplane owner, IHybridCacheBackplaneListener inner) : IHybridCacheBackplaneListener
    {
        public void OnMessage(HybridCacheBackplaneMessage message)
        {
            inner.OnMessage(message);
            owner.Handled.TrySetResult(Stopwatch.GetTimestamp());
        }

        public void OnDisconnected() => inner.OnDisconnected();

        public void OnReconnected() => inner.OnReconnected();
    }
}
