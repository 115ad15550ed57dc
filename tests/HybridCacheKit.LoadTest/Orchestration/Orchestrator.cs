using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Redis;
using HybridCacheKit.LoadTest.Report;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>
/// <c>--mode ...</c>: starts Redis (unless given), runs every requested mode in its own process against it (removing
/// the tool's keys between modes: FLUSHALL on its own server, only its namespace on a supplied one), measures the
/// published artifact and cold start, and writes the report.
/// </summary>
internal static class Orchestrator
{
    /// <param name="cancellationToken">Cancelled on SIGINT/SIGTERM: the running child is killed, what finished is
    /// reported, and the Redis the tool started is stopped (its directories removed) as the method returns.</param>
    public static async Task<int> RunAsync(LoadTestOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var output = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(output);
        var report = new RunReport { Options = options, StartedUtc = DateTime.UtcNow, LoadAverageStart = LoadAverage.Read() };

        await using var ownRedis = options.Redis is null ? await RedisLauncher.StartAsync(options.Cluster, log).ConfigureAwait(false) : null;
        var configuration = options.Redis ?? ownRedis!.Configuration;
        report.RedisDescription = ownRedis?.Description ?? $"supplied by the user: {options.Redis}{(options.Cluster ? " (cluster)" : string.Empty)}";

        var interrupted = false;
        try
        {
            await RunModesAsync(options, report, output, configuration, ownRedis is not null, log, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // SIGINT/SIGTERM: the running child was killed; the report keeps what finished, and leaving this method
            // stops the Redis the tool started and removes its directories.
            interrupted = true;
            report.Failures.Add("interrupted by SIGINT/SIGTERM: the modes before it finished; the one running was stopped and the rest were not run.");
            log.WriteLine("== interrupted: children stopped, writing what finished");
        }

        if (ownRedis is null)
        {
            // Leave the user's server without the tool's keys (and with all of theirs).
            await ResetRedisAsync(configuration, ownRedis: false, log).ConfigureAwait(false);
        }

        report.LoadAverageEnd = LoadAverage.Read();
        report.FinishedUtc = DateTime.UtcNow;
        var written = await ReportWriter.WriteAsync(report, output).ConfigureAwait(false);
        log.WriteLine($"report: {written}");
        return interrupted ? InterruptedExitCode : report.Failures.Count == 0 ? 0 : 1;
    }

    /// <summary>The exit code of a run stopped by a signal (the shell's 128 + SIGINT's 2; SIGTERM is reported as 143 by Program).</summary>
    public const int InterruptedExitCode = 130;

    private static async Task RunModesAsync(LoadTestOptions options, RunReport report, string output, string configuration, bool startedRedis, TextWriter log, CancellationToken cancellationToken)
    {
        foreach (var leftOut in options.ModesLeftOut)
        {
            report.Notes.Add("Not run: " + leftOut);
            log.WriteLine("== " + leftOut);
        }

        // Parse guarantees engine-aot is only in the list when the Native AOT publish is on.
        if (options.Modes.Contains(NativeAotEngineMode) && options.PublishNativeAot && ArtifactMode.FindProject() is { } aotProject)
        {
            // Published first, so the mode runs in the modes' order; the cold-start rows reuse this executable.
            report.NativeAot = await ArtifactMode.PublishNativeAotAsync(aotProject, output, log, report.Failures, cancellationToken).ConfigureAwait(false);
        }

        foreach (var mode in options.Modes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (mode is "engine" or "raw" or "rawtx" or "twotier" or NativeAotEngineMode)
            {
                string? executable = null;
                if (mode == NativeAotEngineMode)
                {
                    if (report.NativeAot is not { } aot)
                    {
                        report.Failures.Add($"{mode}: no Native AOT executable (the tool's project file was not found above {AppContext.BaseDirectory}, or the publish failed).");
                        continue;
                    }

                    executable = aot.Executable;
                }

                await ResetRedisAsync(configuration, startedRedis, log).ConfigureAwait(false);
                var file = Path.Combine(output, $"result-{mode}.json");
                File.Delete(file);
                var args = new List<string> { "--child", executable is null ? mode : "engine", "--redis", configuration, "--result", file };
                args.AddRange(options.WorkloadArguments());
                log.WriteLine($"== {mode}: {options.Workload.Workers} workers, warm-up {options.Workload.Warmup.TotalSeconds:0} s, window {options.Workload.Duration.TotalSeconds:0} s");
                var timeout = options.Workload.Warmup + options.Workload.Duration + TimeSpan.FromMinutes(3);
                int exit;
                try
                {
                    exit = await SelfProcess.RunAsync(SelfProcess.StartInfo(args, options.ServerGc, redirect: false, executable), timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException ex)
                {
                    // One stuck mode is a failed mode, not a lost run: the others still run and the report is written.
                    report.Failures.Add($"{mode}: {ex.Message}");
                    continue;
                }

                if (exit != 0 || !File.Exists(file))
                {
                    report.Failures.Add($"{mode}: the child process exited with code {exit} and wrote no result.");
                    continue;
                }

                var result = JsonSerializer.Deserialize(await File.ReadAllTextAsync(file).ConfigureAwait(false), LoadTestJson.Default.ModeResult)!;
                if (executable is not null)
                {
                    result = result with { Mode = mode, Description = result.Description + ", compiled ahead of time (Native AOT executable)" };
                }

                report.Results.Add(result);
                Summarize(log, result);
            }
            else if (mode == "python")
            {
                if (await PythonMode.MissingAsync().ConfigureAwait(false) is { } missing)
                {
                    report.Failures.Add("python: " + missing);
                    log.WriteLine("== python: not run: " + missing);
                    continue;
                }

                await ResetRedisAsync(configuration, startedRedis, log).ConfigureAwait(false);
                log.WriteLine($"== python: {options.Workload.Workers} asyncio workers, warm-up {options.Workload.Warmup.TotalSeconds:0} s, window {options.Workload.Duration.TotalSeconds:0} s");
                if (await PythonMode.RunAsync(options, configuration, Path.Combine(output, "result-python.json"), log, report.Failures, cancellationToken).ConfigureAwait(false) is { } result)
                {
                    report.Results.Add(result);
                    Summarize(log, result);
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (options.Modes.Contains("http"))
        {
            if (Http.HttpMode.Missing() is { } missing)
            {
                report.Failures.Add("http: " + missing);
                log.WriteLine("== http: not run: " + missing);
            }
            else
            {
                await ResetRedisAsync(configuration, startedRedis, log).ConfigureAwait(false);
                try
                {
                    report.Http = await Http.HttpMode.RunAsync(options, configuration, log, report.Failures, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
                {
                    report.Failures.Add("http: " + ex.Message);
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (options.Modes.Contains("coldstart"))
        {
            await RunArtifactAndColdStartAsync(options, report, output, configuration, startedRedis, log, cancellationToken).ConfigureAwait(false);
        }

    }

    /// <summary>The engine mode run by the Native AOT executable instead of this (JIT) build.</summary>
    public const string NativeAotEngineMode = "engine-aot";

    private static async Task RunArtifactAndColdStartAsync(LoadTestOptions options, RunReport report, string output, string configuration, bool ownRedis, TextWriter log, CancellationToken cancellationToken)
    {
        var publishing = options.PublishReadyToRun || options.PublishNativeAot;
        var project = publishing ? ArtifactMode.FindProject() : null;
        if (publishing && project is null)
        {
            report.Failures.Add("artifact: the tool's project file was not found above " + AppContext.BaseDirectory + ", so nothing was published.");
        }

        if (project is not null && options.PublishReadyToRun)
        {
            report.Artifact = await ArtifactMode.PublishAsync(project, output, log, report.Failures, cancellationToken).ConfigureAwait(false);
        }

        if (project is not null && options.PublishNativeAot && report.NativeAot is null)
        {
            report.NativeAot = await ArtifactMode.PublishNativeAotAsync(project, output, log, report.Failures, cancellationToken).ConfigureAwait(false);
        }

        string executable;
        if (report.Artifact is { } artifact)
        {
            executable = Path.Combine(artifact.Directory, "HybridCacheKit.LoadTest");
        }
        else
        {
            executable = Path.Combine(AppContext.BaseDirectory, "HybridCacheKit.LoadTest");
            report.Notes.Add("The JIT cold start was measured with the build output (not the published, ReadyToRun artifact).");
        }

        await ResetRedisAsync(configuration, ownRedis, log).ConfigureAwait(false);
        report.ColdStart = await ArtifactMode.ColdStartAsync(executable, options, configuration, log, report.Failures, cancellationToken).ConfigureAwait(false);
        if (report.NativeAot is { } aot)
        {
            await ResetRedisAsync(configuration, ownRedis, log).ConfigureAwait(false);
            report.ColdStartNativeAot = await ArtifactMode.ColdStartAsync(aot.Executable, options, configuration, log, report.Failures, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Summarize(TextWriter log, ModeResult result)
        => log.WriteLine($"== {result.Mode}: {result.Throughput:N0} ops/s, p50 {Ms(result.All?.P50Ns)} p99 {Ms(result.All?.P99Ns)} p99.9 {Ms(result.All?.P999Ns)}, peak RSS {Mb(result.PeakRssBytes)}, failed in the window {result.FailedInWindow}{(result.FailuresOutsideWindow > 0 ? $" (+{result.FailuresOutsideWindow} outside)" : string.Empty)}");

    internal static string Ms(long? ns) => ns is null ? "n/a" : $"{ns.Value / 1_000_000.0:0.000} ms";

    internal static string Mb(long? bytes) => bytes is null ? "n/a" : $"{bytes.Value / (1024.0 * 1024):0.0} MB";

    /// <summary>
    /// Every mode starts from a Redis without the tool's keys: FLUSHALL on the server the tool started, and on a server
    /// the user supplied only the tool's own namespace deleted (<see cref="ToolKeys"/>); a user's server is never flushed.
    /// </summary>
    private static async Task ResetRedisAsync(string configuration, bool ownRedis, TextWriter log)
    {
        var deleted = await ToolKeys.ResetAsync(configuration, startedByTool: ownRedis).ConfigureAwait(false);
        if (!ownRedis && deleted > 0)
        {
            log.WriteLine($"redis: deleted {deleted:N0} keys of the tool ({ToolKeys.Namespace}*) from the supplied server");
        }
    }
}
