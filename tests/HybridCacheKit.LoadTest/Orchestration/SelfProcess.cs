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

    /// <summary>Runs a child to completion; its progress goes to our standard error as it comes.</summary>
    public static async Task<int> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"a child process ({string.Join(' ', start.ArgumentList)}) did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }

        return process.ExitCode;
    }
}
