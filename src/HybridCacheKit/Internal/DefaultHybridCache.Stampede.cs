using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Internal;

// Stampede protection: one run per (key, flags) in this process; see Flight.
internal sealed partial class DefaultHybridCache
{
    private readonly ConcurrentDictionary<FlightKey, Flight> _flights = new();

    /// <summary>
    /// Runs still in progress that left <see cref="_flights"/> without being superseded (abandoned by every caller and
    /// replaced, or detached by a tag invalidation), with their keys: a change of the key must still supersede them,
    /// or their older values would overwrite the change in L1 and L2. Each run removes itself when it ends.
    /// </summary>
    private readonly ConcurrentDictionary<Flight, string> _detachedRuns = new();

    /// <summary>
    /// Bit f is set once a run with flags f has been started (flags 0-63: every combination of the defined flags); never
    /// cleared. A change of a key then finds its runs with one lookup per combination in use, usually one or two, instead
    /// of a scan of every run in progress (hundreds under load).
    /// </summary>
    private long _flightFlagsSeen;

    /// <summary>A run was started with flags outside 0-63 (undefined bits): changes scan the whole map.</summary>
    private bool _flightFlagsUnusual;

    private ValueTask<T> JoinOrStartFlightAsync<TState, T>(
        string key,
        HybridCacheEntryFlags flags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>>? plainFactory,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>>? contextFactory,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags,
        CacheItem? stale,
        CancellationToken cancellationToken)
    {
        var tagArray = NormalizeTags(tags);
        var flightKey = new FlightKey(key, flags);
        Flight<T> flight;
        Task? ownRun = null;
        while (true)
        {
            if (_flights.TryGetValue(flightKey, out var existing))
            {
                if (existing is not Flight<T> typed)
                {
                    throw TypeMismatch(existing.ValueType, typeof(T));
                }

                if (typed.TryAddCaller())
                {
                    _metrics.StampedeJoin();
                    flight = typed;
                    break;
                }

                // Abandoned by every caller, but its factory may not observe the token and store a value yet.
                DetachRun(flightKey, existing);
                continue;
            }

            // A starter that cannot cancel never leaves, so such a run can never be abandoned: pinned from the start.
            var started = new Flight<T>(pinned: !cancellationToken.CanBeCanceled);
            started.TryAddCaller();
            NoteFlightFlags(flags);
            if (_flights.TryAdd(flightKey, started))
            {
                flight = started;

                // A starter that cannot cancel, and has no stale value to take after a soft timeout, has nothing to do
                // but wait for its run: it awaits the flight itself, which resumes it as the run ends (Flight.EndRun),
                // with no wait of its own in between.
                var awaitsRun = !cancellationToken.CanBeCanceled && !(stale is not null && _failSafe && _options.FactorySoftTimeout is not null);
                if (awaitsRun)
                {
                    started.AwaitedByStarter();
                }

                ownRun = RunFlightAsync(started, flightKey, state, plainFactory, contextFactory, options, tagArray, stale, skipL2Read: false);
                if (awaitsRun)
                {
                    return started.StarterResult;
                }

                break;
            }
        }

        return AwaitFlightAsync(flight, ownRun, key, stale, cancellationToken);
    }

    /// <summary>
    /// Waits for the flight's outcome, for a caller that joined, or a starter that can cancel or may take a stale value
    /// after the soft timeout (any other starter awaits the flight itself). The starter waits for the run itself (<paramref name="ownRun"/>),
    /// which ends right after it completes the flight, so it resumes inline on the thread that finished the run; callers
    /// that joined wait for the flight's completion source, whose continuations run asynchronously (they must not run
    /// inside the run). That saves the starting caller a thread-pool hop on every L1 miss, and a run nobody joined
    /// creates no completion source at all.
    /// </summary>
    private async ValueTask<T> AwaitFlightAsync<T>(Flight<T> flight, Task? ownRun, string key, CacheItem? stale, CancellationToken cancellationToken)
    {
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((Flight)s!).ReleaseCaller(), flight)
            : default;
        try
        {
            if (!flight.IsFinished)
            {
                // The starter waits for its run, which has finished the flight when it ends; a joiner for the flight's
                // completion source (created now, on its first use).
                var waitFor = ownRun ?? flight.Completion;
                if (stale is not null && _failSafe && _options.FactorySoftTimeout is { } soft)
                {
                    try
                    {
                        await waitFor.WaitAsync(soft, _clock.TimeProvider, cancellationToken).ConfigureAwait(false);
                    }
                    catch (TimeoutException) when (!flight.IsFinished)
                    {
                        Log.FactorySoftTimeout(_logger, soft, LogKey(key));
                        _metrics.StaleServedOnce();
                        return stale.GetValue<T>();
                    }
                }
                else if (cancellationToken.CanBeCanceled)
                {
                    await waitFor.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // RunFlightAsync never faults (failures complete the flight); the outcome is read below.
                    await waitFor.ConfigureAwait(false);
                }
            }

            return flight.TakeValue(flight.Outcome);
        }
        finally
        {
            // The caller's own wait is cancelled by a callback on the same token that can run (and bring us here)
            // before the ReleaseCaller callback; disposing the registration then drops that callback unrun, and a run
            // every caller abandoned would never be cancelled. Unregister tells us so; release on its behalf.
            if (registration.Unregister() && cancellationToken.IsCancellationRequested)
            {
                flight.ReleaseCaller();
            }
        }
    }

    private async Task RunFlightAsync<TState, T>(
        Flight<T> flight,
        FlightKey flightKey,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>>? plainFactory,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>>? contextFactory,
        HybridCacheEntryOptions? options,
        string[] tags,
        CacheItem? stale,
        bool skipL2Read)
    {
        var key = flightKey.Key;
        var flags = flightKey.Flags;
        flight.L1Epoch = Volatile.Read(ref _l1Epoch);
        // A pinned run is never cancelled before its factory (only a hard timeout cancels it, and that comes later), so
        // its L2 read needs no token but the deadline: no token source for the run, no linked one per read.
        var token = flight.IsPinned ? CancellationToken.None : flight.Cancellation.Token;
        Activity? activity = null;
        HybridCacheLockLease? lease = null;
        try
        {
            // In the try: a throwing ActivityListener must fail this run, not leave its flight unfinished.
            activity = CacheInstruments.ActivitySource.StartActivity("hybridcache.get_or_create");
            var settings = ResolveSettings(options);
            var writeL1 = (flags & HybridCacheEntryFlags.DisableLocalCacheWrite) == 0;

            if (!skipL2Read && _l2 is not null && (flags & HybridCacheEntryFlags.DisableDistributedCacheRead) == 0)
            {
                var read = await ReadL2Async<T>(key, settings, token).ConfigureAwait(false);
                if (read.Item is { } found)
                {
                    if (read.IsFresh)
                    {
                        activity?.SetTag("hybridcache.source", "l2");
                        if (writeL1)
                        {
                            SetL1(key, found, flight);
                        }

                        Complete(flight, flightKey, new FlightOutcome<T>(read.Value, found));
                        return;
                    }

                    if (stale is null || found.CreatedUtcTicks > stale.CreatedUtcTicks)
                    {
                        stale = found;
                    }
                }

                if (read.Failed && !read.TagStateUnknown && stale is not null && _clock.NowMs() < stale.ExpiresMs)
                {
                    // L2 is unavailable but our L1 copy is still within its expiration: keep serving it. Not when L2
                    // answered and only the tag records could not be read: the copy was not trusted (its L1 time is
                    // up, or the backplane lost messages), and an invalidation it may have missed is exactly what
                    // those records would tell. Correctness first: that is a miss.
                    var renewed = stale.WithFreshness(Math.Min(stale.ExpiresMs, _clock.NowMs() + (long)settings.LocalExpiration.TotalMilliseconds), stale.HoldUntilMs);
                    if (writeL1)
                    {
                        SetL1(key, renewed, flight);
                    }

                    Complete(flight, flightKey, new FlightOutcome<T>(renewed.GetValue<T>(), renewed));
                    return;
                }
            }

            if ((flags & HybridCacheEntryFlags.DisableUnderlyingData) != 0)
            {
                Complete(flight, flightKey, new FlightOutcome<T>(default!, null));
                return;
            }

            token = flight.Cancellation.Token;
            if (_lock is not null && !skipL2Read && _l2 is not null
                && (flags & (HybridCacheEntryFlags.DisableDistributedCacheRead | HybridCacheEntryFlags.DisableDistributedCacheWrite)) == 0)
            {
                // Cross-instance stampede protection: one instance computes, the others wait for it and read L2.
                (lease, var fromPeer) = await AcquireOrWaitAsync<T>(key, settings, token).ConfigureAwait(false);
                if (fromPeer.Item is { } peerItem)
                {
                    activity?.SetTag("hybridcache.source", "l2");
                    if (writeL1)
                    {
                        SetL1(key, peerItem, flight);
                    }

                    Complete(flight, flightKey, new FlightOutcome<T>(fromPeer.Value, peerItem));
                    return;
                }
            }

            activity?.SetTag("hybridcache.source", "factory");
            var created = _clock.NextStamp();
            var started = _clock.TimeProvider.GetTimestamp();
            HybridCacheFactoryContext? context = null;
            if (contextFactory is not null)
            {
                // Without fail-safe a held copy is only an L2-outage backup, not a stale value offered to the factory.
                var offered = _failSafe ? stale : null;
                var staleValue = offered is null ? null : (object?)offered.GetValue<T>();
                context = new HybridCacheFactoryContext(settings.Expiration, settings.LocalExpiration, tags, offered is not null, staleValue);
            }

            T value;
            try
            {
                value = await InvokeFactoryAsync(flight, key, state, plainFactory, contextFactory, context, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && token.IsCancellationRequested) && ex is not HybridCacheRunAbandonedException)
            {
                // An abandoned run (above: it is not a failure) goes to the outer handler: its callers get the
                // exception, nothing is stored, and no stale value is served or throttled in its place.
                _metrics.FactoryRun(_clock.TimeProvider.GetElapsedTime(started), failed: true);
                if (!_failSafe || stale is null)
                {
                    throw;
                }

                Log.FailSafeServedStale(_logger, ex, LogKey(key));
                _metrics.StaleServedOnce();
                var nowMs = _clock.NowMs();
                var throttleUntil = nowMs + (long)_options.FailSafeThrottleDuration.TotalMilliseconds;
                var throttled = stale.WithFreshness(throttleUntil, Math.Max(stale.HoldUntilMs, throttleUntil));
                if (writeL1)
                {
                    SetL1(key, throttled, flight);
                }

                Complete(flight, flightKey, new FlightOutcome<T>(throttled.GetValue<T>(), throttled));
                return;
            }

            var duration = _clock.TimeProvider.GetElapsedTime(started);
            _metrics.FactoryRun(duration, failed: false);

            if (context is not null)
            {
                if (context.IsCachingDisabled)
                {
                    Complete(flight, flightKey, new FlightOutcome<T>(value, null));
                    return;
                }

                settings = ApplyContext(settings, context);
                if (!ReferenceEquals(context.EffectiveTags, context.InitialTags))
                {
                    tags = NormalizeTags(context.EffectiveTags);
                }
            }

            // Stored even if every caller has left meanwhile (a factory that does not observe its token finishes
            // anyway): the work is done, and instances waiting for our lock will look for the value in L2.
            var item = (await StoreAsync(key, value, settings, tags, created, Math.Max(1, duration.Ticks), CancellationToken.None, flight).ConfigureAwait(false)).Item;
            Complete(flight, flightKey, new FlightOutcome<T>(value, item));
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            _flights.TryRemove(new KeyValuePair<FlightKey, Flight>(flightKey, flight));
            flight.Fail(ex);
            StopTracking(flight);
        }
        finally
        {
            if (lease is { IsAcquired: true })
            {
                // Not awaited: the value is stored and the flight completed, so nothing here waits for the release
                // (its announcement wakes the other instances). The run, and with it the starting caller, ends now.
                _ = ReleaseLockAsync(lease);
            }

            try
            {
                activity?.Dispose();
            }
            finally
            {
                // Last: a starter that awaits the flight itself resumes right here, so nothing of the run may follow.
                flight.EndRun();
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> InvokeFactoryAsync<TState, T>(
        Flight<T> flight,
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>>? plainFactory,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>>? contextFactory,
        HybridCacheFactoryContext? context,
        CancellationToken token)
    {
        var pending = plainFactory is not null ? plainFactory(state, token) : contextFactory!(state, context!, token);
        if (_options.FactoryHardTimeout is not { } hard || pending.IsCompleted)
        {
            return await pending.ConfigureAwait(false);
        }

        var task = pending.AsTask();
        try
        {
            return await task.WaitAsync(hard, _clock.TimeProvider, token).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Log.FactoryHardTimeout(_logger, hard, LogKey(key));
            ObserveLater(task);
            await flight.Cancellation.CancelAsync().ConfigureAwait(false);
            throw new TimeoutException($"HybridCacheKit: the factory did not complete within FactoryHardTimeout ({hard}) and was cancelled.");
        }
    }

    private static EntrySettings ApplyContext(EntrySettings settings, HybridCacheFactoryContext context)
    {
        var expiration = context.Expiration > TimeSpan.Zero ? context.Expiration : settings.Expiration;
        var local = context.LocalCacheExpiration > TimeSpan.Zero ? context.LocalCacheExpiration : settings.LocalExpiration;
        if (expiration != settings.Expiration && local == settings.LocalExpiration && local == settings.Expiration)
        {
            // The factory changed only the expiration: L1 follows it, as it did before.
            local = expiration;
        }

        return settings with { Expiration = expiration, LocalExpiration = local > expiration ? expiration : local };
    }

    private void Complete<T>(Flight<T> flight, FlightKey flightKey, FlightOutcome<T> outcome)
    {
        _flights.TryRemove(new KeyValuePair<FlightKey, Flight>(flightKey, flight));
        flight.Finish(outcome);
        StopTracking(flight);
    }

    /// <summary>Records <paramref name="flags"/> in <see cref="_flightFlagsSeen"/>; before the run enters the map.</summary>
    private void NoteFlightFlags(HybridCacheEntryFlags flags)
    {
        var value = (ulong)flags;
        if (value > 63)
        {
            Volatile.Write(ref _flightFlagsUnusual, true);
            return;
        }

        var bit = 1L << (int)value;
        if ((Volatile.Read(ref _flightFlagsSeen) & bit) == 0)
        {
            Interlocked.Or(ref _flightFlagsSeen, bit);
        }
    }

    /// <summary>
    /// Takes a run out of <see cref="_flights"/> (new callers start a fresh one) while keeping it where a change of its
    /// key finds it. Tracked first, then removed: a change looks in the map, then among the tracked runs, so it cannot
    /// miss the run in between.
    /// </summary>
    private void DetachRun(FlightKey flightKey, Flight flight)
    {
        flight.TrackWhileRunning(_detachedRuns, flightKey.Key);
        _flights.TryRemove(new KeyValuePair<FlightKey, Flight>(flightKey, flight));
    }

    /// <summary>A run that has ended (its outcome published) leaves <see cref="_detachedRuns"/>, if it was there.</summary>
    private void StopTracking(Flight flight)
    {
        if (flight.IsTracked)
        {
            _detachedRuns.TryRemove(flight, out _);
        }
    }

    /// <summary>XFetch: maybe start a background refresh of a hot entry before it expires. Never delays the caller.</summary>
    private void MaybeRefreshEarly<TState, T>(
        string key,
        CacheItem item,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>>? plainFactory,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>>? contextFactory,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags)
    {
        var nowMs = _clock.NowMs();
        var window = Math.Max(1.0, item.FactoryDurationTicks / (double)TimeSpan.TicksPerMillisecond) * _eagerBeta;

        // -ln(rand) exceeds 10 with probability e^-10, so entries further than 10 windows from expiry are skipped
        // without drawing a random number: the hot path stays a comparison.
        if (nowMs + (window * 10) < item.ExpiresMs || nowMs >= item.ExpiresMs)
        {
            return;
        }

        if (nowMs - (window * Math.Log(1.0 - Random.Shared.NextDouble())) < item.ExpiresMs)
        {
            return;
        }

        var flightKey = new FlightKey(key, options?.Flags ?? _defaultFlags);
        if (_flights.ContainsKey(flightKey))
        {
            return;
        }

        string[] tagArray;
        try
        {
            tagArray = NormalizeTags(tags);
        }
        catch (ArgumentException)
        {
            return;
        }

        var flight = new Flight<T>(pinned: true);
        NoteFlightFlags(flightKey.Flags);
        if (!_flights.TryAdd(flightKey, flight))
        {
            return;
        }

        _metrics.EagerRefresh();
        _ = Task.Run(() => RunFlightAsync(flight, flightKey, state, plainFactory, contextFactory, options, tagArray, item, skipL2Read: true));
        _ = flight.Completion.ContinueWith(
            (t, s) => Log.BackgroundRefreshFailed(_logger, t.Exception!.GetBaseException(), LogKey((string)s!)),
            key,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static void ObserveLater(Task? task)
        => _ = task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private readonly record struct FlightKey(string Key, HybridCacheEntryFlags Flags);
}
