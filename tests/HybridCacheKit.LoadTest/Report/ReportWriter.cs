using System.Globalization;
using System.Text;
using System.Text.Json;
using HybridCacheKit.LoadTest.Metrics;

namespace HybridCacheKit.LoadTest.Report;

/// <summary>Writes report.md (the comparison table, details, targets), latency.svg and results.json.</summary>
internal static class ReportWriter
{
    private static readonly (string Mode, string Label)[] s_columns =
    [
        ("engine", "HybridCacheKit"),
        (Orchestration.Orchestrator.NativeAotEngineMode, "HybridCacheKit, Native AOT"),
        ("raw", "raw SE.Redis, no L1"),
        ("twotier", "two-tier port (.NET)"),
        ("python", "two-tier (Python)"),
    ];

    public static async Task<string> WriteAsync(RunReport report, string directory)
    {
        var svgPath = Path.Combine(directory, "latency.svg");
        var series = s_columns.Select(c => (c.Label, report.Find(c.Mode))).Where(s => s.Item2 is not null).Select(s => (s.Label, s.Item2!.DenseHistogram())).ToList();
        await File.WriteAllTextAsync(svgPath, SvgChart.Render("Latency by percentile (same workload, same run)", series)).ConfigureAwait(false);

        var mdPath = Path.Combine(directory, "report.md");
        await File.WriteAllTextAsync(mdPath, Markdown(report)).ConfigureAwait(false);

        var jsonPath = Path.Combine(directory, "results.json");
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new ReportDocument(report.Results, report.Artifact, report.NativeAot, report.ColdStart, report.ColdStartNativeAot, report.Http, report.Failures, report.Notes, report.LoadAverageStart, report.LoadAverageEnd), LoadTestJson.Default.ReportDocument)).ConfigureAwait(false);
        return mdPath;
    }

    public static string Markdown(RunReport report)
    {
        var o = report.Options;
        var w = o.Workload;
        var md = new StringBuilder();
        md.AppendLine("# HybridCacheKit load test report");
        md.AppendLine();
        md.AppendLine(Inv($"Run {report.StartedUtc:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {MachineDescription()}. Load average (1/5/15 min) at start {LoadAverage.Format(report.LoadAverageStart)}, at end {LoadAverage.Format(report.LoadAverageEnd)}."));
        md.AppendLine();
        md.AppendLine(Inv($"Workload: {w.Workers:N0} concurrent async workers, {1 - w.WriteRatio:P0} reads (cache-aside `GetOrCreateAsync`) / {w.WriteRatio:P0} writes (`SetAsync`), {w.KeyCount:N0} keys with Zipf({w.ZipfExponent}) popularity, values of ~{w.DescriptionLength + 140} bytes of JSON, warm-up {w.Warmup.TotalSeconds:0} s then a {w.Duration.TotalSeconds:0} s window, seed {w.Seed}. Redis: {report.RedisDescription}."));
        md.AppendLine();

        md.AppendLine("## The table");
        md.AppendLine();
        var present = s_columns.Where(c => report.Find(c.Mode) is not null).ToArray();
        md.Append("| metric |");
        foreach (var (_, label) in present)
        {
            md.Append(Inv($" {label} (measured) |"));
        }

        md.AppendLine(" Python (quoted) | Java (quoted) | Go (quoted) | Rust (quoted) |");
        md.Append("| --- |");
        md.Append(string.Concat(Enumerable.Repeat(" ---: |", present.Length + 4)));
        md.AppendLine();
        Row(md, "throughput (ops/s)", present, report, r => Inv($"{r.Throughput:N0}"), "42,000", "125,000", "145,000", "168,000");
        Row(md, "p50 latency", present, report, r => Ms(r.All?.P50Ns), "2.8 ms", "1.2 ms", "0.8 ms", "0.5 ms");
        Row(md, "p99 latency", present, report, r => Ms(r.All?.P99Ns), "12 ms", "5.4 ms", "3.2 ms", "1.8 ms");
        Row(md, "p99.9 latency", present, report, r => Ms(r.All?.P999Ns), "n/a", "n/a", "n/a", "n/a");
        Row(md, "memory (peak RSS)", present, report, r => Mb(r.PeakRssBytes), "85 MB", "280 MB", "45 MB", "22 MB");
        Row(md, "artifact size", present, report, r => ArtifactCell(report, r), "n/a", "45 MB", "12 MB", "8 MB");
        Row(md, "cold start", present, report, r => ColdStartCell(report, r), "350 ms", "2.1 s", "15 ms", "8 ms");
        md.AppendLine();
        md.AppendLine("Quoted columns: the published comparison (Redis 7.2, 1,000 concurrent connections, 70/30 read/write, 4 vCPU machines), not measured here. Measured columns: this run, this machine, one process per mode, all against the same Redis.");
        if (report.Artifact is { } artifact)
        {
            md.AppendLine();
            md.AppendLine(Inv($"¹ {artifact.Kind}: `{artifact.Command}` → {artifact.Files} files, {artifact.Bytes:N0} bytes. One artifact holds the engine, the Redis package, the baselines and the load generator; the .NET runtime is not in it."));
            if (artifact.SelfContainedBytes is { } sc)
            {
                md.AppendLine(Inv($"Self-contained (runtime and ASP.NET Core included, not trimmed): {sc / (1024.0 * 1024):0.0} MB."));
            }
        }

        if (report.NativeAot is { } aot)
        {
            md.AppendLine();
            md.AppendLine(Inv($"² Native AOT: `{aot.Command}` → one self-contained executable of {aot.Bytes:N0} bytes (no .NET runtime needed; the debug symbols written beside it are not needed to run). It is built from the same code as the JIT build."));
        }

        foreach (var failure in report.Failures)
        {
            md.AppendLine();
            md.AppendLine("**Not measured:** " + failure);
        }

        md.AppendLine();
        md.AppendLine("![latency distribution](latency.svg)");
        md.AppendLine();

        Targets(md, report);
        Details(md, report);
        Http(md, report);
        ColdStart(md, report);

        md.AppendLine("## Settings");
        md.AppendLine();
        foreach (var r in report.Results)
        {
            md.AppendLine(Inv($"- **{r.Mode}**: {r.Description}. Runtime: {r.Runtime}."));
        }

        md.AppendLine(Inv($"- Command: `dotnet run -c Release --project tests/HybridCacheKit.LoadTest -- {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}`"));
        foreach (var note in report.Notes)
        {
            md.AppendLine("- " + note);
        }

        return md.ToString();
    }

    private static void Targets(StringBuilder md, RunReport report)
    {
        md.AppendLine("## Targets (2-core machine)");
        md.AppendLine();
        md.AppendLine("| target | measured | status |");
        md.AppendLine("| --- | ---: | --- |");
        foreach (var (mode, label) in new[] { ("engine", string.Empty), (Orchestration.Orchestrator.NativeAotEngineMode, " (Native AOT)") })
        {
            if (report.Find(mode) is { } e)
            {
                // Failed operations are left out of the throughput and the latencies; with any in the window the
                // measured figures are not the workload's, so the targets are not judged.
                var failed = e.FailedInWindow > 0 ? Inv($"{e.FailedInWindow:N0} operations failed in the window") : null;
                Target(md, "throughput ≥ 1,500,000 ops/s" + label, Inv($"{e.Throughput:N0} ops/s"), e.Throughput >= 1_500_000, failed);
                Target(md, "p99 ≤ 1.8 ms" + label, Ms(e.All?.P99Ns), e.All is { } a && a.P99Ns <= 1_800_000, failed);
                Target(md, "peak RSS ≤ 45 MB (16 MB L1 cap)" + label, Mb(e.PeakRssBytes), e.PeakRssBytes is <= 45L * 1024 * 1024, failed);
            }
        }

        if (report.ColdStartNativeAot is { } aot)
        {
            var median = aot.MedianMs(s => s.ToFirstOperationMs);
            Target(md, "cold start ≤ 100 ms (Native AOT)", Inv($"{median:0.0} ms (median of {aot.Samples.Count})"), median <= 100);
        }

        if (report.ColdStart is { } c)
        {
            var median = c.MedianMs(s => s.ToFirstOperationMs);
            Target(md, Inv($"cold start ≤ 100 ms ({JitKind(report)})"), Inv($"{median:0.0} ms (median of {c.Samples.Count})"), median <= 100);
        }

        if (report.Http is { } h && h.Hello.SuccessfulRequestsPerSecond > 0)
        {
            // Successful (2xx/3xx) responses per second; wrk's latencies include failed responses and cannot be
            // separated, so with any error in either run neither target is judged.
            var errors = h.Hello.Errors + h.Cache.Errors;
            var failed = errors > 0 ? Inv($"{errors:N0} HTTP errors (socket errors + non-2xx/3xx: hello-world {h.Hello.SocketErrors:N0} + {h.Hello.Non2xx:N0}, cache {h.Cache.SocketErrors:N0} + {h.Cache.Non2xx:N0})") : null;
            var ratio = h.Cache.SuccessfulRequestsPerSecond / h.Hello.SuccessfulRequestsPerSecond;
            Target(md, "HTTP rps ≥ 90% of hello-world", Inv($"{ratio:P1} ({h.Cache.SuccessfulRequestsPerSecond:N0} / {h.Hello.SuccessfulRequestsPerSecond:N0})"), ratio >= 0.9, failed);
            var p99 = h.Hello.P99Ms > 0 ? h.Cache.P99Ms / h.Hello.P99Ms : double.NaN;
            Target(md, "HTTP p99 ≤ 1.2× hello-world", Inv($"{p99:0.00}× ({h.Cache.P99Ms:0.00} ms / {h.Hello.P99Ms:0.00} ms)"), p99 <= 1.2, failed);
        }

        md.AppendLine();
    }

    private static void Details(StringBuilder md, RunReport report)
    {
        md.AppendLine("## Per mode");
        md.AppendLine();
        md.AppendLine("| mode | ops/s | reads p50 / p99 / p99.9 | writes p50 / p99 / p99.9 | max | peak RSS (window) | errors | loader runs | Redis CPU | Redis commands per op |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in report.Results)
        {
            var ops = (double)(r.Reads + r.Writes);
            var redisCpu = r.Redis is { } rs && r.WindowSeconds > 0 ? Inv($"{rs.CpuSeconds / r.WindowSeconds:P0} of a core") : "n/a";
            var perOp = r.Redis is { } rc && ops > 0
                ? string.Join(", ", rc.Commands.OrderByDescending(c => c.Value.Calls).Take(6).Select(c => Inv($"{c.Key} {c.Value.Calls / ops:0.00}")))
                : "n/a";
            var errors = Inv($"{r.FailedInWindow:N0}") + (r.FailuresOutsideWindow > 0 ? Inv($" (+{r.FailuresOutsideWindow:N0} outside)") : string.Empty);
            md.AppendLine(Inv($"| {r.Mode} | {r.Throughput:N0} | {Ms(r.Read?.P50Ns)} / {Ms(r.Read?.P99Ns)} / {Ms(r.Read?.P999Ns)} | {Ms(r.Write?.P50Ns)} / {Ms(r.Write?.P99Ns)} / {Ms(r.Write?.P999Ns)} | {Ms(r.All?.MaxNs)} | {Mb(r.PeakRssBytes)} ({Mb(r.WindowPeakRssBytes)}) | {errors} | {r.DatabaseLoads:N0} | {redisCpu} | {perOp} |"));
        }

        md.AppendLine();
        md.AppendLine("Throughput and latencies count successful operations only; errors (operations that threw or read a wrong value) in the window are counted apart, and those in the warm-up are shown as \"outside\". Loader runs and the counters below cover the window only.");

        md.AppendLine();
        md.AppendLine("Runtime during the window (.NET modes):");
        md.AppendLine();
        md.AppendLine("| mode | GC | gen0 / gen1 / gen2 | GC pause | allocated | process CPU | thread-pool items | max queued | max threads | lock contentions | counters |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in report.Results)
        {
            if (r.RuntimeCounters is not { } rt)
            {
                continue;
            }

            var counters = string.Join(", ", r.Counters.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => Inv($"{c.Key} {c.Value:N0}")));
            md.AppendLine(Inv($"| {r.Mode} | {(rt.ServerGc ? "Server" : "Workstation")} | {rt.Gen0} / {rt.Gen1} / {rt.Gen2} | {rt.GcPause.TotalMilliseconds:N0} ms ({rt.GcPause.TotalSeconds / r.WindowSeconds:P1}) | {rt.AllocatedBytes / r.WindowSeconds / (1024 * 1024):N0} MB/s | {rt.ProcessorTime.TotalSeconds / r.WindowSeconds:0.00} cores | {rt.ThreadPoolCompleted / r.WindowSeconds:N0}/s | {r.MaxPendingWorkItems:N0} | {r.MaxThreadCount} | {rt.LockContentions:N0} | {counters} |"));
        }

        md.AppendLine();
    }

    private static void Http(StringBuilder md, RunReport report)
    {
        if (report.Http is not { } h)
        {
            return;
        }

        md.AppendLine("## HTTP mode");
        md.AppendLine();
        md.AppendLine(Inv($"`{h.Command}`; the server is this tool's Kestrel app (own process, peak RSS {Mb(h.ServerPeakRssBytes)})."));
        md.AppendLine();
        md.AppendLine("| endpoint | successful requests/s | p50 | p90 | p99 | requests | socket errors / non-2xx | wrk's requests/s |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in new[] { h.Hello, h.Cache })
        {
            md.AppendLine(Inv($"| {run.Endpoint} | {run.SuccessfulRequestsPerSecond:N0} | {run.P50Ms:0.00} ms | {run.P90Ms:0.00} ms | {run.P99Ms:0.00} ms | {run.Requests:N0} | {run.SocketErrors:N0} / {run.Non2xx:N0} | {run.RequestsPerSecond:N0} |"));
        }

        md.AppendLine();
        md.AppendLine("Successful requests/s is wrk's figure less its non-2xx/3xx share; wrk's own figure counts those responses too. wrk's latencies include every response.");
        if (h.Hello.SuccessfulRequestsPerSecond > 0 && h.Hello.P99Ms > 0)
        {
            md.AppendLine();
            md.AppendLine(Inv($"Ratios: cache / hello-world successful requests per second {h.Cache.SuccessfulRequestsPerSecond / h.Hello.SuccessfulRequestsPerSecond:P1}; p99 {h.Cache.P99Ms / h.Hello.P99Ms:0.00}×."));
        }

        if (h.ServerCounters is { } counters)
        {
            md.AppendLine();
            md.AppendLine("Server-side counters: " + counters);
        }

        md.AppendLine();
    }

    private static void ColdStart(StringBuilder md, RunReport report)
    {
        if (report.ColdStart is null && report.ColdStartNativeAot is null)
        {
            return;
        }

        md.AppendLine("## Cold start");
        md.AppendLine();
        if (report.ColdStartNativeAot is { } aot)
        {
            md.AppendLine("### Native AOT");
            md.AppendLine();
            ColdStartRuns(md, aot);
        }

        if (report.ColdStart is { } c)
        {
            md.AppendLine(Inv($"### {JitKind(report)}"));
            md.AppendLine();
            ColdStartRuns(md, c);
        }
    }

    private static void ColdStartRuns(StringBuilder md, ColdStartResult c)
    {
        md.AppendLine(Inv($"`{c.Executable} --child coldstart`, {c.Samples.Count} runs; times from the parent's clock reading just before it spawned the process (passed in an environment variable). The first operation builds the cache, connects to Redis and serves one `GetOrCreateAsync` of a key no sample served before (a fresh key per sample, so: L2 read that misses, loader, L1 + L2 store); the child reports whether the loader ran. The last two columns repeat work in the then-warm process: opening a second, independent StackExchange.Redis connection (connect and one PING), and serving a second new key (loader included)."));
        md.AppendLine();
        md.AppendLine("| run | to Main | to first operation served | of which the first operation | kernel start → first operation | then, warm: a new SE.Redis connection | then, warm: a new key | loader ran (first / new key) |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (var i = 0; i < c.Samples.Count; i++)
        {
            var s = c.Samples[i];
            md.AppendLine(Inv($"| {i + 1} | {s.ToMainMs:0.0} ms | {s.ToFirstOperationMs:0.0} ms | {s.FirstOperationMs:0.0} ms | {s.FromKernelStartMs:0} ms | {s.WarmConnectMs:0.0} ms | {s.WarmFirstKeyMs:0.0} ms | {YesNo(s.FirstLoaderRan)} / {YesNo(s.WarmLoaderRan)} |"));
        }

        md.AppendLine(Inv($"| median | {c.MedianMs(s => s.ToMainMs):0.0} ms | {c.MedianMs(s => s.ToFirstOperationMs):0.0} ms | {c.MedianMs(s => s.FirstOperationMs):0.0} ms | {c.MedianMs(s => s.FromKernelStartMs):0} ms | {c.MedianMs(s => s.WarmConnectMs):0.0} ms | {c.MedianMs(s => s.WarmFirstKeyMs):0.0} ms | {c.Samples.Count(s => s.FirstLoaderRan)} of {c.Samples.Count} / {c.Samples.Count(s => s.WarmLoaderRan)} of {c.Samples.Count} |"));

        static string YesNo(bool ran) => ran ? "yes" : "**no**";
        md.AppendLine();
    }

    private static void Row(StringBuilder md, string metric, (string Mode, string Label)[] present, RunReport report, Func<ModeResult, string> cell, params string[] quoted)
    {
        md.Append("| ").Append(metric).Append(" |");
        foreach (var (mode, _) in present)
        {
            md.Append(' ').Append(cell(report.Find(mode)!)).Append(" |");
        }

        foreach (var q in quoted)
        {
            md.Append(' ').Append(q).Append(" |");
        }

        md.AppendLine();
    }

    /// <summary>What the JIT cold start ran: the published ReadyToRun artifact, or the build output.</summary>
    private static string JitKind(RunReport report) => report.Artifact is null ? "JIT, build output" : "JIT, framework-dependent ReadyToRun";

    private static string ArtifactCell(RunReport report, ModeResult r)
    {
        if (r.Mode == "python")
        {
            return "n/a (script)";
        }

        // With a Native AOT column, each column shows its own artifact; without one, the JIT columns mention both.
        var aotColumn = report.Find(Orchestration.Orchestrator.NativeAotEngineMode) is not null;
        var isAot = r.Mode == Orchestration.Orchestrator.NativeAotEngineMode;
        var parts = new List<string>();
        if (report.NativeAot is { } aot && (isAot || !aotColumn))
        {
            parts.Add(Inv($"{aot.Bytes / (1024.0 * 1024):0.0} MB Native AOT ²"));
        }

        if (report.Artifact is { } a && !isAot)
        {
            parts.Add(Inv($"{a.Bytes / (1024.0 * 1024):0.0} MB + .NET runtime, ReadyToRun ¹"));
        }

        return parts.Count == 0 ? "not measured" : string.Join(" · ", parts);
    }

    private static string ColdStartCell(RunReport report, ModeResult r)
    {
        var aotColumn = report.Find(Orchestration.Orchestrator.NativeAotEngineMode) is not null;
        if (r.Mode == Orchestration.Orchestrator.NativeAotEngineMode)
        {
            return report.ColdStartNativeAot is { } aotOnly ? Inv($"{aotOnly.MedianMs(s => s.ToFirstOperationMs):0} ms") : "not measured";
        }

        if (r.Mode == "engine" && (report.ColdStart is not null || report.ColdStartNativeAot is not null))
        {
            var parts = new List<string>();
            if (report.ColdStartNativeAot is { } aot && !aotColumn)
            {
                parts.Add(Inv($"{aot.MedianMs(s => s.ToFirstOperationMs):0} ms Native AOT"));
            }

            if (report.ColdStart is { } c)
            {
                parts.Add(Inv($"{c.MedianMs(s => s.ToFirstOperationMs):0} ms {(report.Artifact is null ? "JIT (build output)" : "ReadyToRun")}"));
            }

            return string.Join(" · ", parts);
        }

        if (r.Mode == "python" && r.Counters.TryGetValue("coldstart.ms", out var python))
        {
            return Inv($"{python} ms (median of {r.Counters.GetValueOrDefault("coldstart.samples")})");
        }

        return r.Mode == "engine" ? "not measured" : "—";
    }

    /// <param name="notEvaluable">Why the measured figure cannot be judged (failed operations), or null.</param>
    private static void Target(StringBuilder md, string target, string measured, bool met, string? notEvaluable = null)
        => md.AppendLine(Inv($"| {target} | {measured} | {(notEvaluable is not null ? "**not evaluable**: " + notEvaluable : met ? "met" : "**missed**")} |"));

    private static string MachineDescription()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return model is null ? "unknown CPU" : model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string Ms(long? ns) => ns is null ? "n/a" : ns.Value >= 10_000_000 ? Inv($"{ns.Value / 1e6:0.0} ms") : Inv($"{ns.Value / 1e6:0.000} ms");

    private static string Mb(long? bytes) => bytes is null ? "n/a" : Inv($"{bytes.Value / (1024.0 * 1024):0.0} MB");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
