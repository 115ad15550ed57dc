using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Internal;

// Auto-recovery (docs/backplane.md, "Changes made while Redis is unreachable"). A change (SetAsync, RemoveAsync,
// RemoveByTagAsync) has two steps that reach other instances: the L2 write and the backplane message. When either
// fails, the change is queued (PendingChanges, one per key or tag, bounded) and replayed once L2 accepts calls again:
// - L2 write failed: L2 may still hold what the change replaced, so the replay removes the key from L2 and from every
//   instance's L1 (a tag gets a new invalidation record). Removal is safe whatever happened meanwhile: at worst the next
//   read runs the factory. Rewriting the value could put back a value older than one written since.
// - Only the message failed: the message is sent again.
// The replay runs in one background loop per engine, every AutoRecoveryRetryInterval while changes wait, and at once
// when the backplane reconnects. A later change of the same key that goes through clears the queued one.
internal sealed partial class DefaultHybridCache
{
    /// <summary>Failed replays in a row that end a pass: L2 is still out.</summary>
    private const int FailuresBeforeOutage = 3;

    /// <summary>
    /// Passes in which a change failed while L2 answered other calls before it is given up: about a minute at the
    /// default interval, longer than a Redis Cluster failover takes to bring a key's slot back.
    /// </summary>
    private const int MaxReplayFailures = 60;

    private readonly PendingChanges? _pending;
    private readonly CancellationTokenSource _disposing = new();
    private TaskCompletionSource _recoveryWake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _wakeRequested;
    private int _recoveryRunning;
    private int _queueFullLogged;
    private int _l2Succeeded;

    /// <summary>
    /// Records that an L2 call succeeded, so a replay failing meanwhile is the change's own failure, not an outage.
    /// Read before written: under load the flag is already set and the cache line stays shared.
    /// </summary>
    private void NoteL2Success()
    {
        if (_pending is not null && Volatile.Read(ref _l2Succeeded) == 0)
        {
            Volatile.Write(ref _l2Succeeded, 1);
        }
    }

    /// <summary>How many changes wait for replay (for tests).</summary>
    internal int PendingChangesForTests => _pending?.Count ?? 0;

    /// <summary>
    /// After a change's L2 step: sends its backplane message unless L2 sent it, and queues what did not go through.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SettleChangeAsync(bool isTag, string subject, HybridCacheBackplaneMessageKind kind, long stamp, L2Write written, CancellationToken cancellationToken)
    {
        if (written == L2Write.Announced)
        {
            SupersedeChange(isTag, subject, stamp);
            return;
        }

        var published = await PublishAsync(kind, subject, stamp, cancellationToken).ConfigureAwait(false);
        if (written == L2Write.Failed)
        {
            QueueChange(isTag, subject, PendingAction.Invalidate, stamp);
        }
        else if (!published)
        {
            QueueChange(isTag, subject, PendingAction.Announce, stamp);
        }
        else if (written == L2Write.Written)
        {
            SupersedeChange(isTag, subject, stamp);
        }
    }

    private void QueueChange(bool isTag, string subject, PendingAction action, long stamp)
    {
        if (_pending is null)
        {
            return;
        }

        if (!_pending.TryAdd(new PendingSubject(isTag, subject), action, stamp))
        {
            _metrics.ChangeDropped();
            if (Interlocked.Exchange(ref _queueFullLogged, 1) == 0)
            {
                Log.RecoveryQueueFull(_logger, _options.AutoRecoveryMaxChanges);
            }

            return;
        }

        _metrics.ChangeQueued(isTag, action == PendingAction.Invalidate);
        if (Interlocked.CompareExchange(ref _recoveryRunning, 1, 0) == 0)
        {
            _ = Task.Run(RecoveryLoopAsync);
        }
    }

    private void SupersedeChange(bool isTag, string subject, long stamp)
    {
        if (_pending is { IsEmpty: false } pending)
        {
            pending.Supersede(new PendingSubject(isTag, subject), stamp);
        }
    }

    /// <summary>
    /// The backplane is back: replay now rather than at the next retry. The flag covers a loop that has not started
    /// waiting yet; completing the signal wakes one that has.
    /// </summary>
    private void WakeRecovery()
    {
        if (_pending is { IsEmpty: false })
        {
            Volatile.Write(ref _wakeRequested, 1);
            Volatile.Read(ref _recoveryWake).TrySetResult();
        }
    }

    private async Task RecoveryLoopAsync()
    {
        var token = _disposing.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var wake = Volatile.Read(ref _recoveryWake);
                if (Interlocked.Exchange(ref _wakeRequested, 0) == 0)
                {
                    await Task.WhenAny(Task.Delay(_options.AutoRecoveryRetryInterval, _clock.TimeProvider, token), wake.Task).ConfigureAwait(false);
                }

                if (wake.Task.IsCompleted)
                {
                    _ = Interlocked.CompareExchange(ref _recoveryWake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
                }

                if (token.IsCancellationRequested)
                {
                    return;
                }

                if (_l2Availability is not { IsAvailable: false })
                {
                    await ReplayAsync(token).ConfigureAwait(false);
                }

                if (_pending!.IsEmpty)
                {
                    Volatile.Write(ref _recoveryRunning, 0);

                    // A change queued between the check and the reset saw the loop running and started none.
                    if (_pending.IsEmpty || Interlocked.CompareExchange(ref _recoveryRunning, 1, 0) != 0)
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Not expected (every step handles its own failures), but never silently: the next queued change restarts it.
            Log.RecoveryLoopFailed(_logger, ex);
            Volatile.Write(ref _recoveryRunning, 0);
        }
    }

    /// <summary>
    /// One pass over the queue. A change that cannot go through is skipped and retried in the next pass; after
    /// <see cref="FailuresBeforeOutage"/> failures in a row the pass ends (L2 is still out: no point calling it for every
    /// change). A change that keeps failing while L2 answers other calls (other replays, or the application's own) is
    /// given up after <see cref="MaxReplayFailures"/> passes, so that one change the server refuses cannot hold the queue
    /// forever.
    /// </summary>
    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var replayed = 0;
        var failuresInARow = 0;
        List<KeyValuePair<PendingSubject, PendingChange>>? failed = null;
        foreach (var entry in _pending!.Snapshot())
        {
            var (subject, change) = entry;
            var done = subject.IsTag
                ? await ReplayTagAsync(subject, change, cancellationToken).ConfigureAwait(false)
                : await ReplayKeyAsync(subject, change, cancellationToken).ConfigureAwait(false);
            if (!done)
            {
                (failed ??= []).Add(entry);
                if (++failuresInARow >= FailuresBeforeOutage)
                {
                    break;
                }

                continue;
            }

            failuresInARow = 0;
            if (_pending.Complete(subject, change))
            {
                replayed++;
                _metrics.ChangeReplayed();
            }
        }

        // Whether any L2 call succeeded since the previous pass ended (this pass's replays included).
        var l2Answered = Interlocked.Exchange(ref _l2Succeeded, 0) == 1;
        if (failed is not null && l2Answered)
        {
            foreach (var (subject, change) in failed)
            {
                if (_pending.RecordFailure(subject, change, MaxReplayFailures))
                {
                    _metrics.ChangeDropped();
                    Log.ReplayGivenUp(_logger, MaxReplayFailures);
                }
            }
        }

        if (replayed > 0)
        {
            Log.ChangesReplayed(_logger, replayed, _pending.Count);
        }

        if (_pending.IsEmpty)
        {
            Volatile.Write(ref _queueFullLogged, 0);
        }
    }

    private async ValueTask<bool> ReplayKeyAsync(PendingSubject subject, PendingChange change, CancellationToken cancellationToken)
    {
        var key = subject.Name;
        if (change.Action == PendingAction.Announce)
        {
            return await PublishAsync(HybridCacheBackplaneMessageKind.KeyChanged, key, change.Stamp, cancellationToken).ConfigureAwait(false);
        }

        var stamp = _clock.NextStamp();
        var removed = await RemoveFromL2Async(key, cancellationToken, new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyRemoved, key, stamp)).ConfigureAwait(false);
        if (removed == L2Write.Failed)
        {
            return false;
        }

        // Here as on every other instance: the copy written while L2 failed goes too, so all of them agree again. After
        // the L2 removal, so that a read cannot refill L1 from the old L2 entry in between.
        EvictChangedKey(key);
        if (removed == L2Write.Announced || await PublishAsync(HybridCacheBackplaneMessageKind.KeyRemoved, key, stamp, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        _pending!.Downgrade(subject, change, stamp);
        return false;
    }

    private async ValueTask<bool> ReplayTagAsync(PendingSubject subject, PendingChange change, CancellationToken cancellationToken)
    {
        var tag = subject.Name;
        if (change.Action == PendingAction.Announce)
        {
            return await PublishAsync(HybridCacheBackplaneMessageKind.TagInvalidated, tag, change.Stamp, cancellationToken).ConfigureAwait(false);
        }

        // A new record, stamped now: it can only raise the stamp L2 holds (another instance may have invalidated the tag
        // since), and it also invalidates entries made while L2 failed, which is conservative.
        var stamp = _clock.NextStamp();
        var written = await WriteTagRecordAsync(tag, stamp, cancellationToken).ConfigureAwait(false);
        if (written == L2Write.Failed)
        {
            return false;
        }

        ApplyTagInvalidation(tag, stamp);

        if (written == L2Write.Announced || await PublishAsync(HybridCacheBackplaneMessageKind.TagInvalidated, tag, stamp, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        _pending!.Downgrade(subject, change, stamp);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(1019, LogLevel.Warning, "{Limit} changes already wait for replay (AutoRecoveryMaxChanges): a change whose L2 write or backplane message failed was not queued, and other instances learn of it only when their copy expires.")]
        public static partial void RecoveryQueueFull(ILogger logger, int limit);

        [LoggerMessage(1020, LogLevel.Information, "Replayed {Count} changes whose L2 write or backplane message had failed; {Remaining} still wait.")]
        public static partial void ChangesReplayed(ILogger logger, int count, int remaining);

        [LoggerMessage(1022, LogLevel.Warning, "A queued change could not be replayed in {Attempts} passes while L2 answered other calls; it was given up, and other instances learn of it when their copy expires.")]
        public static partial void ReplayGivenUp(ILogger logger, int attempts);

        [LoggerMessage(1021, LogLevel.Error, "The replay of queued changes stopped unexpectedly; it starts again with the next queued change.")]
        public static partial void RecoveryLoopFailed(ILogger logger, Exception exception);
    }
}
