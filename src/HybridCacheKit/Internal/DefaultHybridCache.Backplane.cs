using System.Numerics;
using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Internal;

// The backplane keeps this instance's L1 coherent with the others': a change announced by another instance evicts
// the L1 copy (or raises a tag's stamp) as soon as the message arrives. Pub/sub is at-most-once, so when the
// subscription drops, and again when it comes back, the L1 epoch moves: every L1 item from before is no longer fresh
// and is revalidated against L2 before it is served (it is still served if L2 is unreachable and the item is within
// its expiration). The tag epoch moves too, so tag stamps are re-read from L2 instead of trusted.
internal sealed partial class DefaultHybridCache
{
    private readonly IHybridCacheBackplane? _backplane;
    private readonly IHybridCacheDistributedLock? _lock;
    private int _l1Epoch;
    private int _tagEpoch;

    /// <summary>Whether tag stamps learned since the last (re)connection can be trusted without re-reading L2.</summary>
    private bool BackplaneTrusted => _backplane is { IsConnected: true };

    /// <summary>Publishes a change; <see langword="false"/> when it could not be sent (no backplane counts as sent: nobody to tell).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> PublishAsync(HybridCacheBackplaneMessageKind kind, string subject, long stamp, CancellationToken cancellationToken)
    {
        if (_backplane is null)
        {
            return true;
        }

        bool sent;
        try
        {
            sent = await _backplane.PublishAsync(new HybridCacheBackplaneMessage(kind, subject, stamp), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.BackplanePublishFailed(_logger, ex, kind.ToString());
            sent = false;
        }

        if (!sent)
        {
            _metrics.BackplanePublishFailed();
        }

        return sent;
    }

    private void OnBackplaneMessage(HybridCacheBackplaneMessage message)
    {
        _metrics.BackplaneMessage(TimeSpan.FromTicks(Math.Max(0, _clock.UtcNowTicks() - message.StampUtcTicks)));
        switch (message.Kind)
        {
            case HybridCacheBackplaneMessageKind.KeyChanged:
            case HybridCacheBackplaneMessageKind.KeyRemoved:
                EvictChangedKey(message.Subject);
                break;
            case HybridCacheBackplaneMessageKind.TagInvalidated:
                ApplyTagInvalidation(message.Subject, message.StampUtcTicks);
                break;
        }
    }

    /// <summary>A key changed (elsewhere, or by a replayed change): drop the L1 copy and detach runs in progress.</summary>
    private void EvictChangedKey(string key)
    {
        DetachRunsOf(key);
        _l1.Remove(key);
    }

    /// <summary>A tag was invalidated at <paramref name="stamp"/>: record it, detach runs in progress, and for "*" clear L1.</summary>
    private void ApplyTagInvalidation(string tag, long stamp)
    {
        RecordInvalidation(tag, stamp);
        DetachAllRuns();
        if (tag == "*")
        {
            _l1.Clear();
        }
    }

    /// <summary>
    /// A key changed, here or elsewhere: a run in progress for it may hold the old value. It is kept out of L1 and
    /// closed to new callers, who start a fresh run that sees the change. Its own callers, whose calls overlapped the
    /// change, still get its value.
    /// </summary>
    private void DetachRunsOf(string key)
    {
        // The map first, then the runs that left it still running (DetachRun tracks a run before it leaves the map).
        if (!_flights.IsEmpty)
        {
            if (Volatile.Read(ref _flightFlagsUnusual))
            {
                foreach (var pair in _flights)
                {
                    if (string.Equals(pair.Key.Key, key, StringComparison.Ordinal))
                    {
                        SupersedeInMap(pair);
                    }
                }
            }
            else
            {
                // One lookup per flags combination ever used by a run (NoteFlightFlags sets the bit before the run enters
                // the map). A run that enters after this started, like one a scan would pass by, began after the change.
                var seen = (ulong)Volatile.Read(ref _flightFlagsSeen);
                while (seen != 0)
                {
                    var flags = (HybridCacheEntryFlags)BitOperations.TrailingZeroCount(seen);
                    seen &= seen - 1;
                    var flightKey = new FlightKey(key, flags);
                    if (_flights.TryGetValue(flightKey, out var flight))
                    {
                        SupersedeInMap(new KeyValuePair<FlightKey, Flight>(flightKey, flight));
                    }
                }
            }
        }

        if (!_detachedRuns.IsEmpty)
        {
            foreach (var pair in _detachedRuns)
            {
                if (string.Equals(pair.Value, key, StringComparison.Ordinal))
                {
                    pair.Key.Superseded = true;
                    _detachedRuns.TryRemove(pair);
                }
            }
        }
    }

    private void SupersedeInMap(KeyValuePair<FlightKey, Flight> pair)
    {
        pair.Value.Superseded = true;
        _flights.TryRemove(pair);
    }

    /// <summary>
    /// A tag was invalidated: any run in progress may produce a value that carries it (a factory can add tags), so every
    /// run is closed to new callers. Their L1 copies need no suppression: they were created before the invalidation's
    /// stamp, so L1 reads reject them by their tags. They still store (their values may carry none of the tag), so
    /// they stay where a later change of their key finds and supersedes them.
    /// </summary>
    private void DetachAllRuns()
    {
        if (_flights.IsEmpty)
        {
            return;
        }

        foreach (var pair in _flights)
        {
            DetachRun(pair.Key, pair.Value);
        }
    }

    private void OnBackplaneConnectionChanged(bool connected)
    {
        Interlocked.Increment(ref _l1Epoch);
        Interlocked.Increment(ref _tagEpoch);
        if (connected)
        {
            Log.BackplaneReconnected(_logger);
            WakeRecovery();
        }
        else
        {
            Log.BackplaneDisconnected(_logger);
        }
    }

    private sealed class BackplaneListener(DefaultHybridCache cache) : IHybridCacheBackplaneListener
    {
        public void OnMessage(HybridCacheBackplaneMessage message) => cache.OnBackplaneMessage(message);

        public void OnDisconnected() => cache.OnBackplaneConnectionChanged(connected: false);

        public void OnReconnected() => cache.OnBackplaneConnectionChanged(connected: true);
    }
}
