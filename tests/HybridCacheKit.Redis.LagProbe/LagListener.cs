using System.Diagnostics.Metrics;
using HybridCacheKit.Diagnostics;

namespace HybridCacheKit.Redis.LagProbe;

/// <summary>Collects the <c>hybridcache.backplane.lag</c> histogram of one node's meter (seconds).</summary>
internal sealed class LagListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<double> _values = [];
    private TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LagListener(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == HybridCacheKitDiagnostics.BackplaneLag)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (_values)
            {
                _values.Add(value);
            }

            _recorded.TrySetResult();
        });
        _listener.Start();
    }

    public IReadOnlyList<double> Values
    {
        get
        {
            lock (_values)
            {
                return [.. _values];
            }
        }
    }

    public void Arm() => _recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitAsync() => _recorded.Task.WaitAsync(TimeSpan.FromSeconds(10));

    public void Dispose() => _listener.Dispose();
}
