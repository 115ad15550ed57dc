using System.Threading.Tasks.Sources;

namespace HybridCacheKit.Shared;

/// <summary>
/// Waits for a StackExchange.Redis task, a deadline token or the caller's token, whichever comes first, and never
/// throws: the caller looks at the task afterwards. It is what <c>task.WaitAsync(timeout, token)</c> does, minus the
/// promise and the timer it creates per call: the waiter is pooled, the deadline is a shared token
/// (DeadlineSlots.cs), and the caller resumes inline on the thread that completed the wait, as an await of
/// the task itself would.
/// </summary>
/// <remarks>
/// A waiter goes back to the pool only when the task completed it and both token callbacks were removed before they
/// ran: then nothing else holds it. A waiter completed by a token is left to the garbage collector, since the abandoned
/// task still holds its continuation and may run it at any time later.
/// </remarks>
internal sealed class BoundedWait : IValueTaskSource
{
    private const int Pending = 0;
    private const int ByTask = 1;
    private const int ByToken = 2;

    private static readonly Action<object?> s_tokenFired = static state => ((BoundedWait)state!).Fire(ByToken);
    private static readonly BoundedWait?[] s_pool = new BoundedWait?[Math.Clamp(Environment.ProcessorCount * 4, 8, 64)];

    private readonly Action _taskCompleted;
    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _deadlineRegistration;
    private CancellationTokenRegistration _callerRegistration;
    private bool _callerRegistered;
    private int _firedBy;

    private BoundedWait() => _taskCompleted = () => Fire(ByTask);

    /// <summary>Completes when <paramref name="task"/> completes or either token is cancelled; never faults.</summary>
    public static ValueTask WhenCompleted(Task task, CancellationToken deadline, CancellationToken caller)
    {
        var wait = Rent();
        var version = wait._core.Version;
        wait._firedBy = Pending;

        // A token cancelled already runs its callback right here, which completes the wait before anyone awaits it.
        wait._deadlineRegistration = deadline.UnsafeRegister(s_tokenFired, wait);
        wait._callerRegistered = caller.CanBeCanceled;
        wait._callerRegistration = caller.CanBeCanceled ? caller.UnsafeRegister(s_tokenFired, wait) : default;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(wait._taskCompleted);
        return new ValueTask(wait, version);
    }

    void IValueTaskSource.GetResult(short token)
    {
        _core.GetResult(token);

        // Unregister returns false when the callback already ran or is running; either way it may still touch this
        // instance, so the instance is not reused.
        var deadlineRemoved = _deadlineRegistration.Unregister();
        var callerRemoved = !_callerRegistered || _callerRegistration.Unregister();
        if (Volatile.Read(ref _firedBy) == ByTask && deadlineRemoved && callerRemoved)
        {
            _deadlineRegistration = default;
            _callerRegistration = default;
            _core.Reset();
            Return(this);
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private static BoundedWait Rent()
    {
        var pool = s_pool;
        for (var i = 0; i < pool.Length; i++)
        {
            if (Volatile.Read(ref pool[i]) is not null && Interlocked.Exchange(ref pool[i], null) is { } pooled)
            {
                return pooled;
            }
        }

        return new BoundedWait();
    }

    private static void Return(BoundedWait wait)
    {
        var pool = s_pool;
        for (var i = 0; i < pool.Length; i++)
        {
            if (Volatile.Read(ref pool[i]) is null && Interlocked.CompareExchange(ref pool[i], wait, null) is null)
            {
                return;
            }
        }
    }

    private void Fire(int by)
    {
        if (Interlocked.CompareExchange(ref _firedBy, by, Pending) == Pending)
        {
            // Nothing here may touch this instance after SetResult: the continuation it runs can recycle it.
            _core.SetResult(true);
        }
    }
}
