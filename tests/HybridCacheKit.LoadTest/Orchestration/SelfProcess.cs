using System.Diagnostics;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>Starts this tool again as a child process (each mode in its own process, so peak RSS is per mode).</summary>
internal static class SelfProcess
{
    /// <param name="executable">Another build of the tool to start (the Native AOT executable); this one when null.</param>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, bool serverGc, bool redirect, string? executable = null)
    {
        var processPath = executable ?? Environment.ProcessPath ?? throw new InvalidOperationException("the tool's own executable path is unknown.");
        var start = new ProcessStartInfo(processPath) { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            // Started as `dotnet HybridCacheKit.LoadTest.dll`.
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HybridCacheKit.LoadTest.dll"));
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
        return start;
    }

    /// <summary>
    /// Runs a child to completion; its progress goes to our standard error as it comes. Past <paramref name="timeout"/>
    /// it is killed and a <see cref="TimeoutException"/> thrown (the caller records the mode as failed and goes on); on
    /// <paramref name="cancellationToken"/> (SIGINT/SIGTERM) it is killed and the cancellation thrown.
    /// </summary>
    public static async Task<int> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        await WaitOrKillAsync(process, timeout, $"a child process ({string.Join(' ', start.ArgumentList)})", cancellationToken).ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <summary>
    /// Waits for <paramref name="process"/> to exit. On timeout or cancellation it kills the process and everything it
    /// started, waits (briefly) until they are gone, and throws <see cref="TimeoutException"/> or the cancellation.
    /// </summary>
    public static async Task WaitOrKillAsync(Process process, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            Kill(process);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds:0} s and was killed.", ex);
        }
    }

    /// <summary>Kills a process and its descendants, and waits up to 10 s for it to be gone.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Not started or already reaped.
        }
    }
}
