namespace HybridCacheKit.Internal;

/// <summary>
/// One shared run (L2 read, then factory, then store) for a key and flag set. Callers join it instead of starting
/// their own. Its cancellation token is cancelled only when every caller that joined with a cancellable token has
/// cancelled; a caller with a non-cancellable token, or a background (pinned) run, keeps it alive.
/// </summary>
internal abstract class Flight(Type valueType, bool pinned)
{
    private readonly Lock _gate = new();
    private int _callers;
    private bool _closed;
    private bool _l1WriteSuppressed;
    private CancellationTokenSource? _cancellation;

    public Type ValueType { get; } = valueType;

    /// <summary>Whether callers leaving never cancel the run (a background run, or one started by a caller that cannot cancel).</summary>
    public bool IsPinned => pinned;

    /// <summary>The run's cancellation, created on first use: a pinned run that ends with its L2 read never needs one.</summary>
    public CancellationTokenSource Cancellation => Volatile.Read(ref _cancellation) ?? CreateCancellation();

    /// <summary>Set when the backplane reports the key changed while this run was in progress: its result must not enter L1.</summary>
    public bool L1WriteSuppressed
    {
        get => Volatile.Read(ref _l1WriteSuppressed);
        set => Volatile.Write(ref _l1WriteSuppressed, value);
    }

    /// <summary>Adds a waiting caller; false when the run was already abandoned or finished.</summary>
    public bool TryAddCaller()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _callers++;
            return true;
        }
    }

    /// <summary>A caller cancelled. The last one out cancels the run, unless it is pinned.</summary>
    public void ReleaseCaller()
    {
        lock (_gate)
        {
            if (_closed || --_callers > 0 || pinned)
            {
                return;
            }

            _closed = true;
        }

        Cancellation.Cancel();
    }

    private CancellationTokenSource CreateCancellation()
    {
        var created = new CancellationTokenSource();
        return Interlocked.CompareExchange(ref _cancellation, created, null) ?? created;
    }

    /// <summary>No more callers may join (the run finished).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }
}

/// <summary>A <see cref="Flight"/> producing a <typeparamref name="T"/>.</summary>
internal sealed class Flight<T>(bool pinned) : Flight(typeof(T), pinned)
{
    private int _originalTaken;

    public TaskCompletionSource<FlightOutcome<T>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The value for one caller. For a type L1 keeps as bytes (mutable), the first caller gets the instance the run
    /// produced and every other caller its own deserialized copy, so no two callers share a mutable object.
    /// </summary>
    public T TakeValue(in FlightOutcome<T> outcome)
    {
        if (outcome.Item is { HasInstance: false, Payload: not null } item && Interlocked.Exchange(ref _originalTaken, 1) != 0)
        {
            return item.GetValue<T>();
        }

        return outcome.Value;
    }
}

/// <summary>What a run produced: the value, and the L1 item when it was cached.</summary>
internal readonly record struct FlightOutcome<T>(T Value, CacheItem? Item);
