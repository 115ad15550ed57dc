using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HybridCacheKit.TestUtilities.Observability;

/// <summary>
/// Records the measurements of one <see cref="Meter"/> instance (not every meter of that name: tests running in
/// parallel each have their own), for counters and histograms of <see cref="long"/>, <see cref="int"/> and
/// <see cref="double"/>. Thread-safe. Dispose to stop listening.
/// </summary>
public sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<CollectedMeasurement> _measurements = new();

    /// <summary>Starts listening to the instruments of <paramref name="meter"/>, including those already created.</summary>
    public MetricCollector(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>Every measurement so far.</summary>
    public IReadOnlyList<CollectedMeasurement> Measurements => [.. _measurements];

    /// <summary>The measurements of the instrument named <paramref name="instrument"/>, optionally only those carrying tag <paramref name="tag"/>.</summary>
    public IReadOnlyList<CollectedMeasurement> Of(string instrument, KeyValuePair<string, object?>? tag = null)
        => [.. _measurements.Where(m => m.Instrument == instrument && (tag is not { } t || m.HasTag(t.Key, t.Value)))];

    /// <summary>The sum of the measurements of an instrument (for a counter: its total).</summary>
    public double Sum(string instrument, KeyValuePair<string, object?>? tag = null) => Of(instrument, tag).Sum(m => m.Value);

    /// <summary>How many measurements an instrument recorded.</summary>
    public int Count(string instrument, KeyValuePair<string, object?>? tag = null) => Of(instrument, tag).Count;

    /// <summary>Reads the observable instruments (gauges) now; their values join <see cref="Measurements"/>.</summary>
    public void CollectObservables() => _listener.RecordObservableInstruments();

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        => _measurements.Enqueue(new CollectedMeasurement(instrument.Name, instrument.Unit, value, tags.ToArray()));
}

/// <summary>One measurement kept by <see cref="MetricCollector"/>.</summary>
/// <param name="Instrument">The instrument's name.</param>
/// <param name="Unit">The instrument's unit.</param>
/// <param name="Value">The value (integers widened to double).</param>
/// <param name="Tags">The tags.</param>
public sealed record CollectedMeasurement(string Instrument, string? Unit, double Value, IReadOnlyList<KeyValuePair<string, object?>> Tags)
{
    /// <summary>Whether the measurement carries tag <paramref name="key"/> with value <paramref name="value"/>.</summary>
    public bool HasTag(string key, object? value) => Tags.Any(t => t.Key == key && Equals(t.Value, value));
}
