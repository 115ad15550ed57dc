using System.Diagnostics;
using System.Diagnostics.Metrics;
using static HybridCacheKit.Diagnostics.HybridCacheKitDiagnostics;

namespace HybridCacheKit.Internal;

/// <summary>The engine's instruments. Every <c>Add</c>/<c>Record</c> is guarded by <c>Enabled</c> so an unobserved meter costs a field read.</summary>
internal sealed class CacheInstruments : IDisposable
{
    private static readonly KeyValuePair<string, object?> s_l1 = new(TierTag, "l1");
    private static readonly KeyValuePair<string, object?> s_l2 = new(TierTag, "l2");
    private static readonly KeyValuePair<string, object?> s_subjectKey = new(RecoverySubjectTag, "key");
    private static readonly KeyValuePair<string, object?> s_subjectTag = new(RecoverySubjectTag, "tag");
    private static readonly KeyValuePair<string, object?> s_actionInvalidate = new(RecoveryActionTag, "invalidate");
    private static readonly KeyValuePair<string, object?> s_actionAnnounce = new(RecoveryActionTag, "announce");

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _factoryRuns;
    private readonly Counter<long> _factoryErrors;
    private readonly Histogram<double> _factoryDuration;
    private readonly Counter<long> _stampedeJoins;
    private readonly Counter<long> _l2Errors;
    private readonly Histogram<double> _l2Duration;
    private readonly Counter<long> _invalidPayloads;
    private readonly Histogram<long> _payloadSize;
    private readonly Counter<long> _oversized;
    private readonly Counter<long> _staleServed;
    private readonly Counter<long> _eagerRefreshes;
    private readonly Counter<long> _keyRejections;
    private readonly Counter<long> _tagInvalidations;
    private readonly Counter<long> _tagStateCompactions;
    private readonly Counter<long> _lockWaits;
    private readonly Counter<long> _lockWaitTimeouts;
    private readonly Counter<long> _backplaneMessages;
    private readonly Histogram<double> _backplaneLag;
    private readonly Counter<long> _backplanePublishFailures;
    private readonly Counter<long> _l1AdmissionRejections;
    private readonly Counter<long> _recoveryQueued;
    private readonly Counter<long> _recoveryReplayed;
    private readonly Counter<long> _recoveryDropped;

    public CacheInstruments(IMeterFactory? meterFactory)
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

        _hits = _meter.CreateCounter<long>(Hits, "{lookup}", "Lookups answered by a tier.");
        _misses = _meter.CreateCounter<long>(Misses, "{lookup}", "Lookups a tier could not answer.");
        _factoryRuns = _meter.CreateCounter<long>(FactoryRuns, "{run}", "Factory runs.");
        _factoryErrors = _meter.CreateCounter<long>(FactoryErrors, "{run}", "Factory runs that threw or timed out.");
        _factoryDuration = _meter.CreateHistogram<double>(FactoryDuration, "s", "Factory durations.");
        _stampedeJoins = _meter.CreateCounter<long>(StampedeJoins, "{call}", "Callers that joined a run in progress.");
        _l2Errors = _meter.CreateCounter<long>(DistributedErrors, "{operation}", "Failed or timed-out L2 operations.");
        _l2Duration = _meter.CreateHistogram<double>(DistributedDuration, "s", "L2 operation durations.");
        _invalidPayloads = _meter.CreateCounter<long>(InvalidPayloads, "{payload}", "L2 payloads rejected as invalid.");
        _payloadSize = _meter.CreateHistogram<long>(PayloadSize, "By", "Serialized payload sizes written.");
        _oversized = _meter.CreateCounter<long>(OversizedValues, "{value}", "Values not cached because they were too large.");
        _staleServed = _meter.CreateCounter<long>(StaleServed, "{value}", "Stale values served by fail-safe or a soft timeout.");
        _eagerRefreshes = _meter.CreateCounter<long>(EagerRefreshes, "{run}", "Background refreshes started by eager refresh.");
        _keyRejections = _meter.CreateCounter<long>(KeyRejections, "{call}", "Calls whose key bypassed the cache.");
        _tagInvalidations = _meter.CreateCounter<long>(TagInvalidations, "{tag}", "Tag invalidations.");
        _tagStateCompactions = _meter.CreateCounter<long>(TagStateCompactions, "{compaction}", "Times the tracked tag states reached their limit and were dropped.");
        _lockWaits = _meter.CreateCounter<long>(LockWaits, "{wait}", "Waits for another instance holding a key's lock.");
        _lockWaitTimeouts = _meter.CreateCounter<long>(LockWaitTimeouts, "{wait}", "Lock waits that timed out.");
        _backplaneMessages = _meter.CreateCounter<long>(BackplaneMessages, "{message}", "Backplane messages received.");
        _backplaneLag = _meter.CreateHistogram<double>(BackplaneLag, "s", "Backplane lag from change to arrival.");
        _backplanePublishFailures = _meter.CreateCounter<long>(BackplanePublishFailures, "{message}", "Backplane messages that could not be sent.");
        _l1AdmissionRejections = _meter.CreateCounter<long>(L1AdmissionRejections, "{value}", "Values a nearly full L1 left out because their key was not used often enough.");
        _recoveryQueued = _meter.CreateCounter<long>(RecoveryQueued, "{change}", "Changes queued for replay after their L2 write or backplane message failed.");
        _recoveryReplayed = _meter.CreateCounter<long>(RecoveryReplayed, "{change}", "Queued changes replayed.");
        _recoveryDropped = _meter.CreateCounter<long>(RecoveryDropped, "{change}", "Changes not queued for replay because the queue was full.");
    }

    public Meter Meter => _meter;

    public void L1Hit()
    {
        if (_hits.Enabled)
        {
            _hits.Add(1, s_l1);
        }
    }

    public void L1Miss()
    {
        if (_misses.Enabled)
        {
            _misses.Add(1, s_l1);
        }
    }

    public void L2Hit()
    {
        if (_hits.Enabled)
        {
            _hits.Add(1, s_l2);
        }
    }

    public void L2Miss()
    {
        if (_misses.Enabled)
        {
            _misses.Add(1, s_l2);
        }
    }

    public void FactoryRun(TimeSpan duration, bool failed)
    {
        if (_factoryRuns.Enabled)
        {
            _factoryRuns.Add(1);
        }

        if (failed && _factoryErrors.Enabled)
        {
            _factoryErrors.Add(1);
        }

        if (_factoryDuration.Enabled)
        {
            _factoryDuration.Record(duration.TotalSeconds);
        }
    }

    public void StampedeJoin()
    {
        if (_stampedeJoins.Enabled)
        {
            _stampedeJoins.Add(1);
        }
    }

    public void L2Operation(string operation, TimeSpan duration, bool failed)
    {
        var tag = new KeyValuePair<string, object?>(OperationTag, operation);
        if (_l2Duration.Enabled)
        {
            _l2Duration.Record(duration.TotalSeconds, tag);
        }

        if (failed && _l2Errors.Enabled)
        {
            _l2Errors.Add(1, tag);
        }
    }

    /// <summary>
    /// An L2 operation not attempted because the L2 reported itself unavailable: an error tagged
    /// <c>error.type = unavailable</c>, with no duration.
    /// </summary>
    public void L2Skipped(string operation)
    {
        if (_l2Errors.Enabled)
        {
            _l2Errors.Add(1, new KeyValuePair<string, object?>(OperationTag, operation), new KeyValuePair<string, object?>(ErrorTypeTag, ErrorTypeUnavailable));
        }
    }

    public void InvalidPayload()
    {
        if (_invalidPayloads.Enabled)
        {
            _invalidPayloads.Add(1);
        }
    }

    public void PayloadWritten(long bytes)
    {
        if (_payloadSize.Enabled)
        {
            _payloadSize.Record(bytes);
        }
    }

    public void Oversized()
    {
        if (_oversized.Enabled)
        {
            _oversized.Add(1);
        }
    }

    public void StaleServedOnce()
    {
        if (_staleServed.Enabled)
        {
            _staleServed.Add(1);
        }
    }

    public void EagerRefresh()
    {
        if (_eagerRefreshes.Enabled)
        {
            _eagerRefreshes.Add(1);
        }
    }

    public void KeyRejected()
    {
        if (_keyRejections.Enabled)
        {
            _keyRejections.Add(1);
        }
    }

    public void TagInvalidated()
    {
        if (_tagInvalidations.Enabled)
        {
            _tagInvalidations.Add(1);
        }
    }

    public void TagStatesCompacted()
    {
        if (_tagStateCompactions.Enabled)
        {
            _tagStateCompactions.Add(1);
        }
    }

    public void LockWait()
    {
        if (_lockWaits.Enabled)
        {
            _lockWaits.Add(1);
        }
    }

    public void LockWaitTimedOut()
    {
        if (_lockWaitTimeouts.Enabled)
        {
            _lockWaitTimeouts.Add(1);
        }
    }

    public void BackplaneMessage(TimeSpan lag)
    {
        if (_backplaneMessages.Enabled)
        {
            _backplaneMessages.Add(1);
        }

        if (_backplaneLag.Enabled)
        {
            _backplaneLag.Record(lag.TotalSeconds);
        }
    }

    public void L1AdmissionRejected() => _l1AdmissionRejections.Add(1);

    /// <summary>Reports <paramref name="pending"/> (read when a listener collects) as <c>hybridcache.recovery.pending</c>.</summary>
    public void ObservePendingChanges(Func<int> pending)
        => _meter.CreateObservableGauge(RecoveryPending, pending, "{change}", "Changes waiting for replay.");

    public void ChangeQueued(bool isTag, bool invalidate)
    {
        if (_recoveryQueued.Enabled)
        {
            _recoveryQueued.Add(1, isTag ? s_subjectTag : s_subjectKey, invalidate ? s_actionInvalidate : s_actionAnnounce);
        }
    }

    public void ChangeReplayed() => _recoveryReplayed.Add(1);

    public void ChangeDropped() => _recoveryDropped.Add(1);

    public void BackplanePublishFailed()
    {
        if (_backplanePublishFailures.Enabled)
        {
            _backplanePublishFailures.Add(1);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
