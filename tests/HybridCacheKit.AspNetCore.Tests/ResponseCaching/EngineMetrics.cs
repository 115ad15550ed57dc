using System.Diagnostics.Metrics;
using HybridCacheKit.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>
/// Totals of the engine's counters for the apps given (their <see cref="IMeterFactory"/> scopes), so a test can wait
/// until every concurrent request has joined a run or is waiting for another node's lock before it lets the run finish.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HashSet<object> _scopes;
    private long _joins;
    private long _lockWaits;
    private long _factoryRuns;

    public EngineMetrics(params IServiceProvider[] services)
    {
        _scopes = [.. services.Select(s => (object)s.GetRequiredService<IMeterFactory>())];
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HybridCacheKitDiagnostics.MeterName && instrument.Meter.Scope is { } scope && _scopes.Contains(scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case HybridCacheKitDiagnostics.StampedeJoins:
                    Interlocked.Add(ref _joins, value);
                    break;
                case HybridCacheKitDiagnostics.LockWaits:
                    Interlocked.Add(ref _lockWaits, value);
                    break;
                case HybridCacheKitDiagnostics.FactoryRuns:
                    Interlocked.Add(ref _factoryRuns, value);
                    break;
            }
        });
        _listener.Start();
    }

    public long StampedeJoins => Interlocked.Read(ref _joins);

    public long LockWaits => Interlocked.Read(ref _lockWaits);

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test (never passes it) if it does not within a generous bound.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Like <see cref="WaitUntilAsync(Func{bool}, string)"/> for a condition that has to make requests.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }

    public void Dispose() => _listener.Dispose();
}
