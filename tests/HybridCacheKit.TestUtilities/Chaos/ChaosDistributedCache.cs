using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>
/// Wraps a real <see cref="IDistributedCache"/> to inject faults: pass-through, throw, or delay
/// (optionally ignoring cancellation, to act like a hung server), for all or selected operations.
/// Counts every call per operation, affected or not. <see cref="GetRaw"/>/<see cref="SetRaw"/>
/// reach the inner cache directly, bypassing chaos and counting. Use <see cref="Wrap"/> to keep the
/// <see cref="IBufferDistributedCache"/> path of an inner cache that has one. Thread-safe.
/// </summary>
public class ChaosDistributedCache : IDistributedCache
{
    private readonly object _gate = new();
    private readonly int[] _counts = new int[4];
    private readonly TimeProvider _timeProvider;
    private ChaosMode _mode;
    private DistributedCacheOperations _affected = DistributedCacheOperations.All;
    private TimeSpan _delay = TimeSpan.FromSeconds(1);
    private bool _ignoreCancellation;
    private Func<DistributedCacheOperations, Exception> _exceptionFactory = op => new ChaosException(op);
    private TaskCompletionSource _release = NewRelease();

    /// <summary>Wraps <paramref name="inner"/>; delays use <paramref name="timeProvider"/> (the system clock if null).</summary>
    public ChaosDistributedCache(IDistributedCache inner, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The wrapped cache.</summary>
    public IDistributedCache Inner { get; }

    /// <summary>The current fault. Changing it releases calls still waiting in a delay (they then reach the inner cache).</summary>
    public ChaosMode Mode
    {
        get => Read(() => _mode);
        set
        {
            lock (_gate)
            {
                _mode = value;
                ReleaseLocked();
            }
        }
    }

    /// <summary>The operations the mode applies to; others pass through. Default: all.</summary>
    public DistributedCacheOperations AffectedOperations
    {
        get => Read(() => _affected);
        set => Write(() => _affected = value);
    }

    /// <summary>The delay of <see cref="ChaosMode.Delay"/>; <see cref="Timeout.InfiniteTimeSpan"/> waits until released. Default: 1 s.</summary>
    public TimeSpan Delay
    {
        get => Read(() => _delay);
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
            }

            Write(() => _delay = value);
        }
    }

    /// <summary>
    /// When true, delayed calls ignore their cancellation token, in the delay and in the inner call,
    /// like a hung server behind a client without timeouts. Default: false.
    /// </summary>
    public bool IgnoreCancellation
    {
        get => Read(() => _ignoreCancellation);
        set => Write(() => _ignoreCancellation = value);
    }

    /// <summary>Creates the exception thrown in <see cref="ChaosMode.Throw"/>. Default: a <see cref="ChaosException"/>.</summary>
    public Func<DistributedCacheOperations, Exception> ExceptionFactory
    {
        get => Read(() => _exceptionFactory);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Write(() => _exceptionFactory = value);
        }
    }

    /// <summary>Calls of Get (including TryGet) so far.</summary>
    public int GetCalls => GetCallCount(DistributedCacheOperations.Get);

    /// <summary>Calls of Set so far.</summary>
    public int SetCalls => GetCallCount(DistributedCacheOperations.Set);

    /// <summary>Calls of Remove so far.</summary>
    public int RemoveCalls => GetCallCount(DistributedCacheOperations.Remove);

    /// <summary>Calls of Refresh so far.</summary>
    public int RefreshCalls => GetCallCount(DistributedCacheOperations.Refresh);

    /// <summary>Wraps <paramref name="inner"/>, as a <see cref="ChaosBufferDistributedCache"/> when it implements <see cref="IBufferDistributedCache"/>.</summary>
    public static ChaosDistributedCache Wrap(IDistributedCache inner, TimeProvider? timeProvider = null) =>
        inner is IBufferDistributedCache buffer
            ? new ChaosBufferDistributedCache(buffer, timeProvider)
            : new ChaosDistributedCache(inner, timeProvider);

    /// <summary>Calls so far of one operation (a single flag).</summary>
    public int GetCallCount(DistributedCacheOperations operation) => Volatile.Read(ref _counts[IndexOf(operation)]);

    /// <summary>Sets all call counts to zero.</summary>
    public void ResetCallCounts()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            Interlocked.Exchange(ref _counts[i], 0);
        }
    }

    /// <summary>Lets every call currently waiting in a delay continue to the inner cache.</summary>
    public void ReleaseDelayedCalls() => Write(ReleaseLocked);

    /// <summary>Reads the inner cache directly (no chaos, not counted; renews the inner sliding expiration).</summary>
    public byte[]? GetRaw(string key) => Inner.Get(key);

    /// <summary>Writes the inner cache directly (no chaos, not counted), with no expiration unless given.</summary>
    public void SetRaw(string key, byte[] value, DistributedCacheEntryOptions? options = null) =>
        Inner.Set(key, value, options ?? new DistributedCacheEntryOptions());

    /// <summary>Removes from the inner cache directly (no chaos, not counted).</summary>
    public void RemoveRaw(string key) => Inner.Remove(key);

    /// <inheritdoc />
    public byte[]? Get(string key)
    {
        ApplyChaos(DistributedCacheOperations.Get);
        return Inner.Get(key);
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var innerToken = await ApplyChaosAsync(DistributedCacheOperations.Get, token).ConfigureAwait(false);
        return await Inner.GetAsync(key, innerToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ApplyChaos(DistributedCacheOperations.Set);
        Inner.Set(key, value, options);
    }

    /// <inheritdoc />
    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        var innerToken = await ApplyChaosAsync(DistributedCacheOperations.Set, token).ConfigureAwait(false);
        await Inner.SetAsync(key, value, options, innerToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Refresh(string key)
    {
        ApplyChaos(DistributedCacheOperations.Refresh);
        Inner.Refresh(key);
    }

    /// <inheritdoc />
    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var innerToken = await ApplyChaosAsync(DistributedCacheOperations.Refresh, token).ConfigureAwait(false);
        await Inner.RefreshAsync(key, innerToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Remove(string key)
    {
        ApplyChaos(DistributedCacheOperations.Remove);
        Inner.Remove(key);
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        var innerToken = await ApplyChaosAsync(DistributedCacheOperations.Remove, token).ConfigureAwait(false);
        await Inner.RemoveAsync(key, innerToken).ConfigureAwait(false);
    }

    /// <summary>Counts the call and applies the current mode; synchronous callers have no token to honour.</summary>
    protected void ApplyChaos(DistributedCacheOperations operation) =>
        _ = ApplyChaosAsync(operation, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Counts the call and applies the current mode. Returns the token to pass on to the inner
    /// cache: none when a delayed call ignores cancellation, so the whole call acts like a client
    /// that does not observe its token.
    /// </summary>
    protected async Task<CancellationToken> ApplyChaosAsync(DistributedCacheOperations operation, CancellationToken token)
    {
        Interlocked.Increment(ref _counts[IndexOf(operation)]);
        ChaosMode mode;
        TimeSpan delay;
        bool ignoreCancellation;
        Func<DistributedCacheOperations, Exception> exceptionFactory;
        Task released;
        lock (_gate)
        {
            if ((_affected & operation) == 0)
            {
                return token;
            }

            (mode, delay, ignoreCancellation, exceptionFactory, released) =
                (_mode, _delay, _ignoreCancellation, _exceptionFactory, _release.Task);
        }

        if (mode == ChaosMode.Throw)
        {
            throw exceptionFactory(operation);
        }

        if (mode == ChaosMode.Delay)
        {
            var effectiveToken = ignoreCancellation ? CancellationToken.None : token;
            using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(effectiveToken);
            var elapsed = Task.Delay(delay, _timeProvider, stopTimer.Token);
            if (await Task.WhenAny(elapsed, released).ConfigureAwait(false) == elapsed)
            {
                // Only the caller's token can have cancelled the delay here.
                effectiveToken.ThrowIfCancellationRequested();
            }
            else
            {
                await stopTimer.CancelAsync().ConfigureAwait(false);
            }

            return effectiveToken;
        }

        return token;
    }

    private static int IndexOf(DistributedCacheOperations operation) => operation switch
    {
        DistributedCacheOperations.Get => 0,
        DistributedCacheOperations.Set => 1,
        DistributedCacheOperations.Remove => 2,
        DistributedCacheOperations.Refresh => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Pass exactly one operation."),
    };

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void ReleaseLocked()
    {
        _release.TrySetResult();
        _release = NewRelease();
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    private void Write(Action write)
    {
        lock (_gate)
        {
            write();
        }
    }
}
