using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

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
    private bool _ended;
    private bool _tracked;
    private bool _superseded;
    private CancellationTokenSource? _cancellation;

    public Type ValueType { get; } = valueType;

    /// <summary>Whether callers leaving never cancel the run (a background run, or one started by a caller that cannot cancel).</summary>
    public bool IsPinned => pinned;

    /// <summary>The run's cancellation, created on first use: a pinned run that ends with its L2 read never needs one.</summary>
    public CancellationTokenSource Cancellation => Volatile.Read(ref _cancellation) ?? CreateCancellation();

    /// <summary>
    /// The L1 epoch when the run started (the backplane moves it when it loses or regains its connection). What the run
    /// stores in L1 carries this epoch, not the one current when it stores: a value read before a lost connection
    /// must not be trusted because the connection came back before the run ended.
    /// </summary>
    public int L1Epoch { get; set; }

    /// <summary>
    /// Set when the key changed while this run was in progress (SetAsync or RemoveAsync here, or a change announced by
    /// another instance): its result may be older than what the tiers now hold, so it enters neither L1 nor L2.
    /// </summary>
    public bool Superseded
    {
        get => Volatile.Read(ref _superseded);
        set => Volatile.Write(ref _superseded, value);
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

    /// <summary>The flight's lock: joining, leaving and publishing the outcome are ordered by it.</summary>
    protected Lock Gate => _gate;

    /// <summary>Whether <see cref="TrackWhileRunning"/> recorded the run; stable once the run has ended.</summary>
    public bool IsTracked => Volatile.Read(ref _tracked);

    /// <summary>
    /// The run left the flight map while still in progress (every caller left and a later caller replaced it, or a tag
    /// invalidation detached it): records it in <paramref name="detached"/> under <paramref name="key"/>, so that a
    /// later change of the key can still supersede it. Nothing is recorded once the run has ended or was superseded.
    /// Under the flight's lock, ordered with the end of the run: a run that ends after this sees <see cref="IsTracked"/>
    /// and removes itself.
    /// </summary>
    public void TrackWhileRunning(ConcurrentDictionary<Flight, string> detached, string key)
    {
        lock (_gate)
        {
            if (_ended || Superseded)
            {
                return;
            }

            Volatile.Write(ref _tracked, true);
            detached.TryAdd(this, key);
        }
    }

    /// <summary>The run has ended: no caller joins from now on, and <see cref="TrackWhileRunning"/> records nothing. Call holding <see cref="Gate"/>.</summary>
    protected void EndUnderGate()
    {
        _closed = true;
        _ended = true;
    }
}

/// <summary>
/// A <see cref="Flight"/> producing a <typeparamref name="T"/>. The outcome is kept in the flight: the caller that started
/// the run reads it once the run has ended (<see cref="Outcome"/>); a completion source, for callers that joined, is
/// created only when one asks (<see cref="Completion"/>), so a run nobody joined creates none.
/// </summary>
internal sealed class Flight<T>(bool pinned) : Flight(typeof(T), pinned), IValueTaskSource<T>
{
    private int _originalTaken;
    private ManualResetValueTaskSourceCore<T> _starter;
    private bool _awaitedByStarter;
    private TaskCompletionSource<FlightOutcome<T>>? _completion;
    private FlightOutcome<T> _outcome;
    private ExceptionDispatchInfo? _failure;
    private volatile bool _finished;
    private ManualResetEventSlim? _blockedStarter;

    /// <summary>Whether the run has finished (<see cref="Finish"/> or <see cref="Fail"/>).</summary>
    public bool IsFinished => _finished;

    /// <summary>The run's outcome, once <see cref="IsFinished"/>; rethrows the run's exception if it failed.</summary>
    public FlightOutcome<T> Outcome
    {
        get
        {
            if (!_finished)
            {
                throw new InvalidOperationException("The flight has not finished.");
            }

            _failure?.Throw();
            return _outcome;
        }
    }

    /// <summary>
    /// The outcome as a task whose continuations run asynchronously (never inside the run), created on first use; a
    /// completed task once the run has finished.
    /// </summary>
    public Task<FlightOutcome<T>> Completion
    {
        get
        {
            lock (Gate)
            {
                if (_finished)
                {
                    return _failure is null ? Task.FromResult(_outcome) : Task.FromException<FlightOutcome<T>>(_failure.SourceException);
                }

                _completion ??= new TaskCompletionSource<FlightOutcome<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _completion.Task;
            }
        }
    }

    /// <summary>
    /// The starting caller's value, when it awaits the flight itself (<see cref="AwaitedByStarter"/>): completed by
    /// <see cref="EndRun"/>, its continuation running there, inline where the run ended. Await it exactly once.
    /// </summary>
    public ValueTask<T> StarterResult => new(this, _starter.Version);

    /// <summary>The starting caller will await <see cref="StarterResult"/>. Call before the run starts.</summary>
    public void AwaitedByStarter() => _awaitedByStarter = true;

    /// <summary>
    /// The run's last act, after its outcome is published and everything it holds is released: hands the starting caller
    /// its value (or the run's exception) if it awaits the flight itself.
    /// </summary>
    public void EndRun()
    {
        if (!_awaitedByStarter)
        {
            return;
        }

        T value;
        try
        {
            value = TakeValue(Outcome);
        }
        catch (Exception ex)
        {
            _starter.SetException(ex);
            WakeBlockedStarter();
            return;
        }

        _starter.SetResult(value);
        WakeBlockedStarter();
    }

    /// <summary>
    /// Blocking on the pending <see cref="StarterResult"/> (<c>GetAwaiter().GetResult()</c>, sync over async) waits for
    /// the run, as it does on a Task-backed ValueTask (what Microsoft's HybridCache returns), instead of throwing the
    /// value-task source's "not completed" InvalidOperationException. Awaiting never gets here while pending.
    /// </summary>
    T IValueTaskSource<T>.GetResult(short token)
    {
        if (_starter.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Publish the event before looking at the status again; EndRun completes, then looks for the event. One of
            // the two sees the other's write (both are full fences), so the wait cannot miss the completion.
            var blocked = Interlocked.CompareExchange(ref _blockedStarter, new ManualResetEventSlim(false), null) ?? _blockedStarter!;
            if (_starter.GetStatus(token) == ValueTaskSourceStatus.Pending)
            {
                blocked.Wait();
            }
        }

        return _starter.GetResult(token);
    }

    private void WakeBlockedStarter()
    {
        // A full fence after the completion, paired with the one in GetResult.
        Interlocked.CompareExchange(ref _blockedStarter, null, null)?.Set();
    }

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _starter.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _starter.OnCompleted(continuation, state, token, flags);

    /// <summary>Closes the flight and publishes its outcome to every caller; only the first outcome counts.</summary>
    public void Finish(in FlightOutcome<T> outcome)
        => Publish(outcome, failure: null)?.TrySetResult(outcome);

    /// <summary>Closes the flight and fails it for every caller; only the first outcome counts.</summary>
    public void Fail(Exception exception)
        => Publish(default, ExceptionDispatchInfo.Capture(exception))?.TrySetException(exception);

    /// <summary>
    /// Closes the flight and records its outcome, unless one was recorded already; returns the joiners' completion source
    /// to complete (outside the lock), if one was created.
    /// </summary>
    private TaskCompletionSource<FlightOutcome<T>>? Publish(in FlightOutcome<T> outcome, ExceptionDispatchInfo? failure)
    {
        lock (Gate)
        {
            EndUnderGate();
            if (_finished)
            {
                return null;
            }

            _outcome = outcome;
            _failure = failure;
            _finished = true;
            return _completion;
        }
    }

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
