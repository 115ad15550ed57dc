using System.Diagnostics;

namespace HybridCacheKit.TestUtilities.Interop;

/// <summary>
/// Runs a Python script with Debian's interpreter (/usr/bin/python3, which sees python3-redis and python3-msgpack;
/// the python3 first on PATH may be another interpreter that does not). A missing interpreter or module is a failure
/// that says how to install it, never a skip.
/// </summary>
public static class PythonPeer
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> (as sys.argv[1:]) and returns its standard output, trimmed.</summary>
    public static async Task<string> RunAsync(string script, params string[] args)
    {
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing. Install Debian's Python and modules: apt-get install -y python3 python3-redis python3-msgpack (./test.sh does this).");
        }

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + Interpreter);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The Python peer did not finish within 30 s.");
        }

        var error = await stderr;
        if (process.ExitCode != 0)
        {
            var hint = error.Contains("ModuleNotFoundError", StringComparison.Ordinal)
                ? " Install the modules: apt-get install -y python3-redis python3-msgpack (./test.sh does this)."
                : string.Empty;
            throw new InvalidOperationException($"The Python peer failed (exit {process.ExitCode}): {error.Trim()}{hint}");
        }

        return (await stdout).Trim();
    }
}
