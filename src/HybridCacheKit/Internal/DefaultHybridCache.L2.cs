using System.Buffers;
using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using HybridCacheKit.Internal.Envelope;
using HybridCacheKit.Shared;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Internal;

// L2: every call is bounded by DistributedCacheTimeout and never throws to callers (only the caller's own
// cancellation propagates). Payloads are wrapped in the envelope (docs/wire-format.md); anything that does not parse,
// belongs to another key, or does not deserialize is a miss.
internal sealed partial class DefaultHybridCache
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<L2Read<T>> ReadL2Async<T>(string key, EntrySettings settings, CancellationToken cancellationToken)
    {
        PooledBufferWriter? pooled = null;
        try
        {
            ReadOnlyMemory<byte> data;
            if (_bufferL2 is not null)
            {
                pooled = new PooledBufferWriter(4096);
                bool found;
                if (_l2HonorsCancellation)
                {
                    // CallL2Async's direct path, written out here: an L2 hit is the hot path, and each async level
                    // costs a suspension after the command is sent and a resumption when the reply arrives.
                    cancellationToken.ThrowIfCancellationRequested();
                    if (_l2Availability is { IsAvailable: false })
                    {
                        _metrics.L2Skipped("get");
                        return L2Read<T>.Failure;
                    }

                    var started = _clock.TimeProvider.GetTimestamp();
                    var deadline = _l2Deadlines.Token(_options.DistributedCacheTimeout);
                    var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
                    try
                    {
                        found = await _bufferL2.TryGetAsync(key, pooled, linked?.Token ?? deadline).ConfigureAwait(false);
                        _metrics.L2Operation("get", _clock.TimeProvider.GetElapsedTime(started), failed: false);
                        NoteL2Success();
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                    {
                        OnL2Failed("get", key, ex, started, deadline);
                        return L2Read<T>.Failure;
                    }
                    finally
                    {
                        linked?.Dispose();
                    }
                }
                else
                {
                    (var ok, found) = await CallL2Async("get", key, (_bufferL2, key, pooled), static (s, ct) => s._bufferL2.TryGetAsync(s.key, s.pooled, ct), cancellationToken, lent: pooled).ConfigureAwait(false);
                    if (!ok)
                    {
                        return L2Read<T>.Failure;
                    }
                }

                if (!found)
                {
                    _metrics.L2Miss();
                    return default;
                }

                data = pooled.WrittenMemory;
            }
            else
            {
                var (ok, bytes) = await CallL2Async("get", key, (_l2!, key), static (s, ct) => new ValueTask<byte[]?>(s.Item1.GetAsync(s.key, ct)), cancellationToken).ConfigureAwait(false);
                if (!ok)
                {
                    return L2Read<T>.Failure;
                }

                if (bytes is null)
                {
                    _metrics.L2Miss();
                    return default;
                }

                data = bytes;
            }

            if (_options.L2Format == HybridCacheL2Format.Plain)
            {
                return ReadPlain<T>(key, data, settings);
            }

            var status = PayloadEnvelope.TryRead(data, key, _options.MaximumPayloadBytes, out var metadata, out var payload);
            if (status != EnvelopeReadStatus.Ok)
            {
                _metrics.InvalidPayload();
                _metrics.L2Miss();
                Log.InvalidPayload(_logger, status, LogKey(key));
                return default;
            }

            var nowUtc = _clock.UtcNowTicks();
            var holdUntilUtc = _failSafe ? metadata.ExpiresUtcTicks + _options.FailSafeMaxDuration.Ticks : metadata.ExpiresUtcTicks;
            if (holdUntilUtc <= nowUtc)
            {
                _metrics.L2Miss();
                return default;
            }

            // Taken before the check: an invalidation that races with it is then covered by the overflow rule (see Tags).
            var validatedStamp = _clock.NextStamp();
            var invalidated = await IsInvalidatedRemotelyAsync(metadata, cancellationToken).ConfigureAwait(false);
            if (invalidated is null)
            {
                Log.TagStateUnavailable(_logger, LogKey(key));
                return L2Read<T>.TagsUnknown;
            }

            if (invalidated.Value)
            {
                _metrics.L2Miss();
                return default;
            }

            var serializer = _serializers.GetSerializer<T>();
            T value;
            try
            {
                value = serializer.Deserialize(new ReadOnlySequence<byte>(payload));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _metrics.InvalidPayload();
                _metrics.L2Miss();
                Log.DeserializationFailed(_logger, ex, typeof(T).FullName ?? typeof(T).Name, LogKey(key));
                return default;
            }

            var reusable = IsReusable<T>();
            var item = CreateItem(value, reusable, reusable ? null : payload.ToArray(), serializer, metadata.CreatedUtcTicks, metadata.ExpiresUtcTicks, metadata.FactoryDurationTicks, metadata.Tags, settings.LocalExpiration, nowUtc, payload.Length);
            item.ValidatedStamp = validatedStamp;
            var fresh = metadata.ExpiresUtcTicks > nowUtc;
            if (fresh)
            {
                _metrics.L2Hit();
            }
            else
            {
                _metrics.L2Miss();
            }

            return new L2Read<T>(item, value, fresh, Failed: false);
        }
        finally
        {
            pooled?.Dispose();
        }
    }

    /// <summary>
    /// Writes an entry to L2; with an <paramref name="announcement"/> and an L2 that can send it along
    /// (<see cref="IHybridCacheDistributedCacheAnnouncements"/>), in the same operation. The outcome says whether the
    /// write failed and whether the announcement went out: when not, the caller publishes it through the backplane.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<L2Write> WriteL2Async(string key, PooledBufferWriter envelope, TimeSpan timeToLive, HybridCacheBackplaneMessage? announcement, CancellationToken cancellationToken)
    {
        var entryOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive };
        if (announcement is { } message && _announcingL2 is { } announcer)
        {
            return await WriteAndAnnounceAsync(announcer, key, new ReadOnlySequence<byte>(envelope.WrittenMemory), entryOptions, message, "set", cancellationToken, lent: envelope).ConfigureAwait(false);
        }

        bool ok;
        if (_bufferL2 is not null)
        {
            (ok, _) = await CallL2Async("set", key, (_bufferL2, key, envelope, entryOptions), static (s, ct) => Succeeded(s._bufferL2.SetAsync(s.key, new ReadOnlySequence<byte>(s.envelope.WrittenMemory), s.entryOptions, ct)), cancellationToken, lent: envelope).ConfigureAwait(false);
        }
        else
        {
            var bytes = envelope.ToArray();
            (ok, _) = await CallL2Async("set", key, (_l2!, key, bytes, entryOptions), static (s, ct) => Succeeded(new ValueTask(s.Item1.SetAsync(s.key, s.bytes, s.entryOptions, ct))), cancellationToken).ConfigureAwait(false);
        }

        return ok ? L2Write.Written : L2Write.Failed;
    }

    /// <summary>One L2 write that carries its backplane message.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<L2Write> WriteAndAnnounceAsync(IHybridCacheDistributedCacheAnnouncements announcer, string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions entryOptions, HybridCacheBackplaneMessage announcement, string operation, CancellationToken cancellationToken, PooledBufferWriter? lent = null)
    {
        var (ok, announced) = await CallL2Async(operation, key, (announcer, key, value, entryOptions, _backplane!, announcement), static (s, ct) => s.announcer.SetAsync(s.key, s.value, s.entryOptions, s.Item5, s.announcement, ct), cancellationToken, lent).ConfigureAwait(false);
        return !ok ? L2Write.Failed : announced ? L2Write.Announced : L2Write.Written;
    }

    /// <summary>Removes an entry from L2, with <paramref name="announcement"/> in the same operation when the L2 can send it (see <see cref="WriteL2Async"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<L2Write> RemoveFromL2Async(string key, CancellationToken cancellationToken, HybridCacheBackplaneMessage? announcement = null)
    {
        if (announcement is { } message && _announcingL2 is { } announcer)
        {
            var (ok, announced) = await CallL2Async("remove", key, (announcer, key, _backplane!, message), static (s, ct) => s.announcer.RemoveAsync(s.key, s.Item3, s.message, ct), cancellationToken).ConfigureAwait(false);
            return !ok ? L2Write.Failed : announced ? L2Write.Announced : L2Write.Written;
        }

        var (removed, _) = await CallL2Async("remove", key, (_l2!, key), static (s, ct) => Succeeded(new ValueTask(s.Item1.RemoveAsync(s.key, ct))), cancellationToken).ConfigureAwait(false);
        return removed ? L2Write.Written : L2Write.Failed;
    }

    /// <summary>
    /// <see langword="true"/> once <paramref name="operation"/> has completed: gives an L2 write the result shape of
    /// <see cref="CallL2Async"/> without an async lambda (and its state machine allocation) per call.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> Succeeded(ValueTask operation)
    {
        await operation.ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Runs one L2 operation under the timeout. Returns (false, default) on failure or timeout, having logged and
    /// counted it; rethrows only when <paramref name="cancellationToken"/> itself was cancelled.
    /// </summary>
    /// <remarks>
    /// No timer per call: the deadline is a token shared by the calls that start within the same few milliseconds
    /// (DeadlineSlots), and the wait is a pooled waiter (BoundedWait). The operation receives that deadline (linked with
    /// the caller's token when the caller's can be cancelled), so an L2 that honours cancellation stops at the timeout.
    /// An L2 that declares so (<see cref="Distributed.IHybridCacheDistributedCacheCancellation"/>) is awaited directly:
    /// the token alone bounds the call, without a task and a waiter beside it.
    /// While the L2 reports itself unavailable (<see cref="Distributed.IHybridCacheDistributedCacheAvailability"/>, e.g. an open
    /// circuit breaker), it is not called at all: an outage costs no exception per operation.
    /// A call given up on while it still runs keeps <paramref name="lent"/>, the pooled buffer it reads or writes: it is
    /// abandoned, never returned to the pool under the call's feet.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(bool Ok, TResult? Result)> CallL2Async<TArg, TResult>(
        string operation,
        string key,
        TArg arg,
        Func<TArg, CancellationToken, ValueTask<TResult>> call,
        CancellationToken cancellationToken,
        PooledBufferWriter? lent = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_l2Availability is { IsAvailable: false })
        {
            _metrics.L2Skipped(operation);
            return (false, default);
        }

        var started = _clock.TimeProvider.GetTimestamp();
        var timeout = _options.DistributedCacheTimeout;
        var deadline = _l2Deadlines.Token(timeout);
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
        Task<TResult>? task = null;
        try
        {
            var pending = call(arg, linked?.Token ?? deadline);
            TResult result;
            if (pending.IsCompleted || _l2HonorsCancellation)
            {
                // Completed, or an L2 that ends the call itself once the deadline (or the caller) cancels its token:
                // an OperationCanceledException for the deadline is the timeout, handled below.
                result = await pending.ConfigureAwait(false);
            }
            else
            {
                task = pending.AsTask();
                await BoundedWait.WhenCompleted(task, deadline, cancellationToken).ConfigureAwait(false);
                if (!task.IsCompleted)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new TimeoutException();
                }

                result = task.GetAwaiter().GetResult();
            }

            _metrics.L2Operation(operation, _clock.TimeProvider.GetElapsedTime(started), failed: false);
            NoteL2Success();
            return (true, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AbandonIfRunning(task, lent);
            throw;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && deadline.IsCancellationRequested))
        {
            // The deadline passed: the wait gave up (TimeoutException), or the operation itself honoured the deadline.
            // The wait may have ended before the linked source heard of the deadline (it runs the deadline's callbacks
            // in turn); cancel it here, so an operation that honours cancellation stops now rather than at its own limit.
            if (linked is not null)
            {
                await linked.CancelAsync().ConfigureAwait(false);
            }

            AbandonIfRunning(task, lent);
            OnL2Failed(operation, key, ex, started, deadline);
            return (false, default);
        }
        catch (Exception ex)
        {
            OnL2Failed(operation, key, ex, started, deadline);
            return (false, default);
        }
    }

    /// <summary>An L2 call given up on: observe its outcome later, and if it still runs, leave it its buffer.</summary>
    private static void AbandonIfRunning(Task? task, PooledBufferWriter? lent)
    {
        if (task is { IsCompleted: false })
        {
            lent?.Abandon();
        }

        ObserveLater(task);
    }

    /// <summary>
    /// Counts and logs an L2 operation that failed other than by the caller's cancellation: a timeout when the deadline
    /// passed (the wait gave up, or the operation honoured the deadline), any other exception as a failure.
    /// </summary>
    private void OnL2Failed(string operation, string key, Exception ex, long started, CancellationToken deadline)
    {
        _metrics.L2Operation(operation, _clock.TimeProvider.GetElapsedTime(started), failed: true);
        if (ex is TimeoutException || (ex is OperationCanceledException && deadline.IsCancellationRequested))
        {
            Log.DistributedCacheTimedOut(_logger, operation, _options.DistributedCacheTimeout, LogKey(key));
        }
        else
        {
            Log.DistributedCacheFailed(_logger, ex, operation, LogKey(key));
        }
    }

    /// <summary>What became of a change's L2 step.</summary>
    private enum L2Write : byte
    {
        /// <summary>No L2 write was attempted (none configured, disabled by the entry's flags, or nothing storable).</summary>
        Skipped,

        /// <summary>The write failed or timed out: L2 may still hold what the change replaced.</summary>
        Failed,

        /// <summary>Written; the backplane message is still to be sent.</summary>
        Written,

        /// <summary>Written, and the L2 sent the backplane message with it.</summary>
        Announced,
    }

    /// <summary>What an L2 read found: a valid item (fresh, or stale but held for fail-safe), a miss, or a failure.</summary>
    private readonly record struct L2Read<T>(CacheItem? Item, T Value, bool IsFresh, bool Failed, bool TagStateUnknown = false)
    {
        public static L2Read<T> Failure => new(null, default!, false, true);

        /// <summary>The entry was read but its tags' invalidation times could not be: whether it is valid is unknown.</summary>
        public static L2Read<T> TagsUnknown => new(null, default!, false, true, TagStateUnknown: true);
    }
}
