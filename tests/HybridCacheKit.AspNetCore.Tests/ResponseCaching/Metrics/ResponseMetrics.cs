using HybridCacheKit.AspNetCore.ResponseCaching;
using HybridCacheKit.TestUtilities.Observability;
using Microsoft.Extensions.DependencyInjection;
using static HybridCacheKit.AspNetCore.Diagnostics.HybridCacheKitAspNetCoreDiagnostics;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>
/// The response cache's measurements of one app only: the shared <see cref="MetricCollector"/> over the meter instance
/// that app's middleware records to (created by that app's <c>IMeterFactory</c>), so apps of tests running in parallel,
/// with meters of the same name, never leak in.
/// </summary>
public sealed class ResponseMetrics : IDisposable
{
    private readonly MetricCollector _collector;

    public ResponseMetrics(IServiceProvider services)
        => _collector = new MetricCollector(services.GetRequiredService<ResponseCacheInstruments>().Meter);

    public IReadOnlyList<CollectedMeasurement> All => _collector.Measurements;

    public long Hits(string tier) => (long)_collector.Sum(ResponseHits, new(TierTag, tier));

    public long Hits() => (long)_collector.Sum(ResponseHits);

    public long Misses => (long)_collector.Sum(ResponseMisses);

    public long NotStored(string reason) => (long)_collector.Sum(ResponseNotStored, new(ReasonTag, reason));

    public long NotStored() => (long)_collector.Sum(ResponseNotStored);

    public long NotModified => (long)_collector.Sum(ResponseNotModified);

    public long Joins => (long)_collector.Sum(ResponseStampedeJoins);

    public long Stale => (long)_collector.Sum(ResponseStaleServed);

    public long StampedeRetries => (long)_collector.Sum(ResponseStampedeRetries);

    /// <summary>Every request counted in exactly one outcome: hits, joins, stale serves, misses or not stored.</summary>
    public long Outcomes => Hits() + Joins + Stale + Misses + NotStored();

    /// <summary>The measurements grouped by instrument and tags, for assertion messages.</summary>
    public string Describe() => string.Join(", ", _collector.Measurements
        .GroupBy(m => m.Instrument + string.Concat(m.Tags.OrderBy(t => t.Key).Select(t => $" {t.Key}={t.Value}")))
        .Select(g => $"{g.Key}: {g.Count()}"));

    public void Dispose() => _collector.Dispose();
}
