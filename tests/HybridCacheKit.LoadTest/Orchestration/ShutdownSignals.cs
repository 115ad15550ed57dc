using System.Runtime.InteropServices;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>
/// SIGINT and SIGTERM turned into a cancellation, so the run stops its children, stops the Redis it started (one
/// server, or three with --cluster), removes their temporary directories and writes what finished, instead of the
/// runtime ending the process on the spot and leaking all of them. A second signal ends the process at once.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signal;

    public ShutdownSignals()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>The shell's exit code for the signal received (130 for SIGINT, 143 for SIGTERM), or null.</summary>
    public int? ExitCode => Volatile.Read(ref _signal) switch
    {
        0 => null,
        var signal => 128 + signal,
    };

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        // The first signal cancels the run and keeps the process alive to clean up; a second one is not held back.
        if (Interlocked.CompareExchange(ref _signal, context.Signal == PosixSignal.SIGINT ? 2 : 15, 0) != 0)
        {
            return;
        }

        context.Cancel = true;
        _stop.Cancel();
    }
}
