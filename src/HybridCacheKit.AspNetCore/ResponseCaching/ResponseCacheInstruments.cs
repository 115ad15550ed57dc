using System.Diagnostics.Metrics;
using static HybridCacheKit.AspNetCore.Diagnostics.HybridCacheKitAspNetCoreDiagnostics;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// The response cache's instruments. Every <c>Add</c>/<c>Record</c> is guarded by <c>Enabled</c>, and every tag is a
/// prebuilt static pair, so an unobserved meter costs a field read and an observed one allocates nothing per request.
/// </summary>
internal sealed class ResponseCacheInstruments : IDisposable
{
    private static readonly KeyValuePair<string, object?> s_l1 = new(TierTag, "l1");
    private static readonly KeyValuePair<string, object?> s_l2 = new(TierTag, "l2");
    private static readonly KeyValuePair<string, object?>[] s_reasons = BuildReasons();

    // Hits take from well under a microsecond (L1) to milliseconds (L2 over a network): buckets from 1 µs to 1 s.
    private static readonly double[] s_hitBuckets =
    [
        0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5,
        0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _notStored;
    private readonly Counter<long> _notModified;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _staleServed;
    private readonly Histogram<double> _hitDuration;

    public ResponseCacheInstruments(IMeterFactory? meterFactory)
    {
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(MeterName);
        }
        else
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }

        _hits = _meter.CreateCounter<long>(ResponseHits, "{response}", "Requests answered with a fresh stored response without running the endpoint.");
        _misses = _meter.CreateCounter<long>(ResponseMisses, "{response}", "Requests whose endpoint ran and whose response was stored.");
        _notStored = _meter.CreateCounter<long>(ResponseNotStored, "{response}", "Requests handled without storing a response, by reason.");
        _notModified = _meter.CreateCounter<long>(ResponseNotModified, "{response}", "Requests answered with 304 Not Modified from a stored response.");
        _joins = _meter.CreateCounter<long>(ResponseStampedeJoins, "{request}", "Requests that waited for another request's run and got its stored response.");
        _retries = _meter.CreateCounter<long>(ResponseStampedeRetries, "{retry}", "Lookups repeated because the run a request waited for lost the request it ran the endpoint for.");
        _staleServed = _meter.CreateCounter<long>(ResponseStaleServed, "{response}", "Requests answered with a stored response older than its duration (fail-safe).");
        _hitDuration = _meter.CreateHistogram(
            ResponseHitDuration,
            "s",
            "Time the middleware spent serving a hit, until the response was handed to the server.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_hitBuckets });
    }

    public Meter Meter => _meter;

    /// <summary>Whether hit durations are observed; the middleware reads the clock at the start of a request only then.</summary>
    public bool HitDurationEnabled => _hitDuration.Enabled;

    public void Hit(bool l2)
    {
        if (_hits.Enabled)
        {
            _hits.Add(1, l2 ? s_l2 : s_l1);
        }
    }

    public void HitDuration(bool l2, TimeSpan elapsed)
    {
        if (_hitDuration.Enabled)
        {
            _hitDuration.Record(elapsed.TotalSeconds, l2 ? s_l2 : s_l1);
        }
    }

    public void Miss()
    {
        if (_misses.Enabled)
        {
            _misses.Add(1);
        }
    }

    public void NotStored(NotStoredReason reason)
    {
        if (_notStored.Enabled)
        {
            _notStored.Add(1, s_reasons[(int)reason]);
        }
    }

    public void NotModified()
    {
        if (_notModified.Enabled)
        {
            _notModified.Add(1);
        }
    }

    public void StampedeJoin()
    {
        if (_joins.Enabled)
        {
            _joins.Add(1);
        }
    }

    public void StampedeRetry()
    {
        if (_retries.Enabled)
        {
            _retries.Add(1);
        }
    }

    public void StaleServed()
    {
        if (_staleServed.Enabled)
        {
            _staleServed.Add(1);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static KeyValuePair<string, object?>[] BuildReasons()
    {
        var pairs = new KeyValuePair<string, object?>[NotStoredReasons.Count];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = new KeyValuePair<string, object?>(ReasonTag, NotStoredReasons.TagValue((NotStoredReason)i));
        }

        return pairs;
    }
}
