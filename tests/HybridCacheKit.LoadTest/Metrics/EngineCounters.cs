using System.Diagnostics.Metrics;
using static HybridCacheKit.Diagnostics.HybridCacheKitDiagnostics;

namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>
/// Counts the engine's own counters (hits and misses per tier, factory runs, L2 errors, stampede joins, lock waits and
/// their timeouts, publish failures, L1 admission rejections) with a <see cref="MeterListener"/>, into striped counters
/// so that recording does not contend. Used by the engine mode and by the HTTP mode's server.
/// </summary>
internal sealed class EngineCounters : IDisposable
{
    private static readonly string[] s_counted = [Hits, Misses, FactoryRuns, DistributedErrors, StampedeJoins, LockWaits, LockWaitTimeouts, BackplanePublishFailures, L1AdmissionRejections];

    private readonly Dictionary<string, StripedCounter> _counters = [];
    private readonly MeterListener _listener;

    public EngineCounters()
    {
        // Every (instrument, tier) pair gets its counter before listening starts: the callback only reads the maps.
        var plain = new Dictionary<string, StripedCounter>();
        var l1 = new Dictionary<string, StripedCounter>();
        var l2 = new Dictionary<string, StripedCounter>();
        foreach (var name in s_counted)
        {
            _counters[name] = plain[name] = new StripedCounter();
            _counters[name + ".l1"] = l1[name] = new StripedCounter();
            _counters[name + ".l2"] = l2[name] = new StripedCounter();
        }

        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MeterName && Array.IndexOf(s_counted, instrument.Name) >= 0)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = plain;
            foreach (var tag in tags)
            {
                if (tag.Key == TierTag)
                {
                    map = tag.Value as string == "l1" ? l1 : l2;
                }
            }

            map[instrument.Name].Add(value);
        });
        _listener.Start();
    }

    /// <summary>The counters that are not zero, by name (with ".l1"/".l2" for per-tier ones).</summary>
    public Dictionary<string, long> NonZero()
    {
        var result = new Dictionary<string, long>();
        foreach (var (name, counter) in _counters)
        {
            if (counter.Value != 0)
            {
                result[name] = counter.Value;
            }
        }

        return result;
    }

    public void Dispose() => _listener.Dispose();
}
