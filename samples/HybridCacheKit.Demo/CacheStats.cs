using System.Diagnostics.Metrics;
using HybridCacheKit.Diagnostics;

namespace HybridCacheKit.Demo;

/// <summary>
/// Counts what the cache reports through its meter (<see cref="HybridCacheKitDiagnostics.MeterName"/>), the same
/// numbers OpenTelemetry or <c>dotnet-counters monitor --counters HybridCacheKit</c> would show.
/// </summary>
public sealed class CacheStats : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _l1Hits;
    private long _l1Misses;
    private long _l2Hits;
    private long _l2Misses;
    private long _factoryRuns;
    private long _stampedeJoins;
    private long _staleServed;
    private long _tagInvalidations;

    public CacheStats(IMeterFactory meterFactory)
    {
        // Listen only to the meter of this application's cache (its IMeterFactory), not to other hosts in the process.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HybridCacheKitDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, state) => ((CacheStats)state!).Record(instrument.Name, value, tags));
        _listener.Start();
    }

    public object Snapshot() => new
    {
        l1Hits = Interlocked.Read(ref _l1Hits),
        l1Misses = Interlocked.Read(ref _l1Misses),
        l2Hits = Interlocked.Read(ref _l2Hits),
        l2Misses = Interlocked.Read(ref _l2Misses),
        factoryRuns = Interlocked.Read(ref _factoryRuns),
        stampedeJoins = Interlocked.Read(ref _stampedeJoins),
        staleServed = Interlocked.Read(ref _staleServed),
        tagInvalidations = Interlocked.Read(ref _tagInvalidations),
    };

    public void Dispose() => _listener.Dispose();

    private void Record(string instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var tier = "";
        foreach (var tag in tags)
        {
            if (tag.Key == HybridCacheKitDiagnostics.TierTag)
            {
                tier = tag.Value as string;
            }
        }

        switch (instrument)
        {
            case HybridCacheKitDiagnostics.Hits when tier == "l2": Interlocked.Add(ref _l2Hits, value); break;
            case HybridCacheKitDiagnostics.Hits: Interlocked.Add(ref _l1Hits, value); break;
            case HybridCacheKitDiagnostics.Misses when tier == "l2": Interlocked.Add(ref _l2Misses, value); break;
            case HybridCacheKitDiagnostics.Misses: Interlocked.Add(ref _l1Misses, value); break;
            case HybridCacheKitDiagnostics.FactoryRuns: Interlocked.Add(ref _factoryRuns, value); break;
            case HybridCacheKitDiagnostics.StampedeJoins: Interlocked.Add(ref _stampedeJoins, value); break;
            case HybridCacheKitDiagnostics.StaleServed: Interlocked.Add(ref _staleServed, value); break;
            case HybridCacheKitDiagnostics.TagInvalidations: Interlocked.Add(ref _tagInvalidations, value); break;
        }
    }
}
