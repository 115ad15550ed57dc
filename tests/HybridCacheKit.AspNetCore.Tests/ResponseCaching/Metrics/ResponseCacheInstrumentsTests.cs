using System.Diagnostics.Metrics;
using HybridCacheKit.AspNetCore.Diagnostics;
using HybridCacheKit.AspNetCore.ResponseCaching;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Metrics;

/// <summary>The instruments themselves: the fallback meter, and no allocation per measurement while observed.</summary>
public sealed class ResponseCacheInstrumentsTests
{
    [Fact]
    public void Constructor_WithoutMeterFactory_OwnsAPrivateMeterAndDisposesIt()
    {
        var instruments = new ResponseCacheInstruments(meterFactory: null);
        var completed = 0;
        long hits = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, instruments.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.MeasurementsCompleted = (_, _) => Interlocked.Increment(ref completed);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == HybridCacheKitAspNetCoreDiagnostics.ResponseHits)
            {
                Interlocked.Add(ref hits, value);
            }
        });
        listener.Start();

        instruments.Hit(l2: false);
        instruments.Dispose();
        instruments.Hit(l2: false);

        Assert.Equal(HybridCacheKitAspNetCoreDiagnostics.MeterName, instruments.Meter.Name);
        Assert.Null(instruments.Meter.Scope);
        Assert.Equal(1, hits);
        Assert.Equal(8, completed);
    }

    [Fact]
    public void Record_WhileObserved_AllocatesNothing()
    {
        using var instruments = new ResponseCacheInstruments(meterFactory: null);
        long total = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, instruments.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref total, value));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref total));
        listener.Start();
        Assert.True(instruments.HitDurationEnabled);

        RecordEverything(instruments, 100); // first calls may allocate once (JIT, lazy state)
        var before = GC.GetAllocatedBytesForCurrentThread();
        RecordEverything(instruments, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(10_100L * (8 + NotStoredReasons.Count), total);
    }

    [Fact]
    public void Record_Unobserved_IsDisabled()
    {
        using var instruments = new ResponseCacheInstruments(meterFactory: null);

        Assert.False(instruments.HitDurationEnabled);
        var before = GC.GetAllocatedBytesForCurrentThread();
        RecordEverything(instruments, 1_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RecordEverything(ResponseCacheInstruments instruments, int times)
    {
        for (var i = 0; i < times; i++)
        {
            instruments.Hit(l2: false);
            instruments.Hit(l2: true);
            instruments.HitDuration(l2: false, TimeSpan.FromTicks(3));
            instruments.Miss();
            instruments.NotModified();
            instruments.StampedeJoin();
            instruments.StaleServed();
            instruments.StampedeRetry();
            for (var r = 0; r < NotStoredReasons.Count; r++)
            {
                instruments.NotStored((NotStoredReason)r);
            }
        }
    }
}
