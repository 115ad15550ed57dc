using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Report;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>
/// The Python column: python/two_tier.py (the published two-tier design on redis-py asyncio) under the same workload,
/// run with Debian's /usr/bin/python3. When the interpreter or python3-redis is missing, the report says so.
/// </summary>
internal static class PythonMode
{
    public const string Interpreter = "/usr/bin/python3";

    public static string Script => Path.Combine(AppContext.BaseDirectory, "python", "two_tier.py");

    /// <summary>Null when the peer can run; otherwise why not (with the install command).</summary>
    public static async Task<string?> MissingAsync()
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} is missing (Debian: apt-get install -y python3 python3-redis).";
        }

        if (!File.Exists(Script))
        {
            return $"the Python peer script is missing ({Script}).";
        }

        var (exit, _, error) = await RunAsync(["-c", "import redis.asyncio"], null, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return exit == 0 ? null : $"{Interpreter} cannot import redis.asyncio, so Debian's python3-redis is missing (apt-get install -y python3-redis): {error.Trim()}";
    }

    public static async Task<ModeResult?> RunAsync(LoadTestOptions options, string configuration, string resultFile, TextWriter log, List<string> failures, CancellationToken cancellationToken)
    {
        var w = options.Workload;
        var args = new List<string>
        {
            Script, "--redis", configuration, "--workers", Text(w.Workers), "--keys", Text(w.KeyCount), "--zipf", Text(w.ZipfExponent),
            "--write-ratio", Text(w.WriteRatio), "--value-chars", Text(w.DescriptionLength), "--warmup", Text(w.Warmup.TotalSeconds),
            "--duration", Text(w.Duration.TotalSeconds), "--seed", w.Seed.ToString(CultureInfo.InvariantCulture),
            "--db-delay-ms", Text(w.DatabaseDelay.TotalMilliseconds), "--result", resultFile,
        };
        if (options.Cluster)
        {
            args.Add("--cluster");
        }

        File.Delete(resultFile);
        var (exit, _, error) = await RunAsync(args, log, w.Warmup + w.Duration + TimeSpan.FromMinutes(3), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (exit != 0 || !File.Exists(resultFile))
        {
            failures.Add($"python: the peer exited with code {exit}: {error.Trim()}");
            return null;
        }

        var result = JsonSerializer.Deserialize(await File.ReadAllTextAsync(resultFile).ConfigureAwait(false), LoadTestJson.Default.ModeResult)!;

        // Cold start of the Python design: interpreter start, imports, connect, first read served. Like the .NET rows,
        // every sample reads a key no sample read before, so it misses both tiers and runs the loader.
        var samples = new List<double>();
        var loaderRuns = 0;
        var keys = ColdStartKeys.ForRun();
        for (var i = 0; i < options.ColdStartRuns; i++)
        {
            var env = new Dictionary<string, string> { ["HCK_SPAWN_UNIX_NS"] = UnixNowNs().ToString(CultureInfo.InvariantCulture) };
            var (code, output, coldError) = await RunAsync([Script, "--redis", configuration, "--coldstart", "--coldstart-key", keys.Sample(i), .. options.Cluster ? ["--cluster"] : Array.Empty<string>()], null, TimeSpan.FromSeconds(60), env, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                failures.Add($"python: cold start run {i + 1} exited with code {code}: {coldError.Trim()}");
                continue;
            }

            var json = JsonDocument.Parse(output).RootElement;
            samples.Add(json.GetProperty("toFirstOperationMs").GetDouble());
            if (json.GetProperty("loaderRan").GetBoolean())
            {
                loaderRuns++;
            }
            else
            {
                failures.Add($"python: cold start run {i + 1} found its key cached (the loader did not run).");
            }
        }

        result.Counters["coldstart.samples"] = samples.Count;
        result.Counters["coldstart.loader.runs"] = loaderRuns;
        if (samples.Count > 0)
        {
            samples.Sort();
            result.Counters["coldstart.ms"] = (long)Math.Round(samples[samples.Count / 2]);
        }

        return result;
    }

    public static long UnixNowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static async Task<(int Exit, string Output, string Error)> RunAsync(IEnumerable<string> args, TextWriter? log, TimeSpan timeout, Dictionary<string, string>? env = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(Interpreter) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Interpreter);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new System.Text.StringBuilder();
        var errorPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith("[python]", StringComparison.Ordinal))
                {
                    log?.WriteLine(line);
                }
                else
                {
                    stderr.AppendLine(line);
                }
            }
        });
        try
        {
            await SelfProcess.WaitOrKillAsync(process, timeout, "the Python peer", cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return (-1, string.Empty, $"timed out after {timeout.TotalSeconds:0} s");
        }

        await errorPump.ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false), stderr.ToString());
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
