using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;

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

    /// <summary>A key changed (elsewhere, or by a replayed change): drop the L1 copy and keep runs in progress out of L1.</summary>
    private void EvictChangedKey(string key)
    {
        SuppressRunsOf(key);
        _l1.Remove(key);
    }

    /// <summary>A tag was invalidated at <paramref name="stamp"/>: record it, and for "*" clear L1.</summary>
    private void ApplyTagInvalidation(string tag, long stamp)
    {
        RecordInvalidation(tag, stamp);
        if (tag == "*")
        {
            _l1.Clear();
        }
    }

    /// <summary>A run in progress for a key that just changed elsewhere may hold the old value: keep it out of L1.</summary>
    private void SuppressRunsOf(string key)
    {
        if (_flights.IsEmpty)
        {
            return;
        }

        foreach (var pair in _flights)
        {
            if (string.Equals(pair.Key.Key, key, StringComparison.Ordinal))
            {
                pair.Value.L1WriteSuppressed = true;
            }
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
