using System.Diagnostics;
using System.Text;

namespace HybridCacheKit.LoadTest.Tests;

/// <summary>Runs the load tool's executable (copied next to the tests by the project reference) as a real process.</summary>
internal static class ToolProcess
{
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "HybridCacheKit.LoadTest");

    public static Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(Executable, timeout, args);

    /// <summary>Runs <paramref name="executable"/> (the tool's build output, or an executable it published) to its end.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string executable, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the load tool did not finish within {timeout.TotalSeconds:0} s. Output so far:\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    public static string NewOutputDirectory() => Directory.CreateTempSubdirectory("hck-loadtest-smoke-").FullName;

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (sink)
            {
                sink.AppendLine(line);
            }
        }
    }
}
