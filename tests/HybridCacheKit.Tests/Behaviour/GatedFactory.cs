namespace HybridCacheKit.Tests.Behaviour;

/// <summary>
/// A factory that blocks until the test releases (or fails) it, so a test can line callers up behind a run that is
/// still in progress. Counts its invocations and exposes the token of the last one. Honours cancellation.
/// </summary>
internal sealed class GatedFactory<T>
{
    private readonly TaskCompletionSource<T> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Completes when the factory is first invoked.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the token passed to an invocation is cancelled.</summary>
    public Task TokenCancelled => _cancelled.Task;

    public CancellationToken Token { get; private set; }

    public async ValueTask<T> RunAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        Token = cancellationToken;
        cancellationToken.Register(() => _cancelled.TrySetResult());
        _started.TrySetResult();
        return await _gate.Task.WaitAsync(cancellationToken);
    }

    public void Release(T value) => _gate.SetResult(value);

    public void Fail(Exception exception) => _gate.SetException(exception);
}
