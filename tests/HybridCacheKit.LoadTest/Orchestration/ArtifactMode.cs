using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Report;

namespace HybridCacheKit.LoadTest.Orchestration;

/// <summary>
/// The artifact-size and cold-start rows: <c>dotnet publish</c> of this tool (framework-dependent, ReadyToRun,
/// linux-x64; once self-contained for comparison; and as one Native AOT executable), the size of what was published,
/// then each published executable started several times in <c>--child coldstart</c>.
/// </summary>
internal static class ArtifactMode
{
    /// <summary>
    /// Publish properties that keep symbols and documentation out of the ReadyToRun folder: the tool's own .pdb, the
    /// referenced projects' .pdb (related files of references) and every XML documentation file. They are publish-time
    /// only, so they do not recompile anything.
    /// </summary>
    internal static readonly string[] NoSymbolsOrDocs =
        ["-p:CopyOutputSymbolsToPublishDirectory=false", "-p:PublishDocumentationFiles=false", "-p:AllowedReferenceRelatedFileExtensions=.none"];

    /// <summary>
    /// The tool's project file, found by walking up from the running binary: its own folder, or a sibling folder (the
    /// smoke tests run the tool from their own output folder). Null when run from a copy outside the repository.
    /// </summary>
    public static string? FindProject()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in (string[])[Path.Combine(dir.FullName, "HybridCacheKit.LoadTest.csproj"), Path.Combine(dir.FullName, "HybridCacheKit.LoadTest", "HybridCacheKit.LoadTest.csproj")])
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static async Task<ArtifactResult?> PublishAsync(string project, string output, TextWriter log, List<string> failures, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(output, "publish");
        var command = "dotnet publish tests/HybridCacheKit.LoadTest -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true " + string.Join(' ', NoSymbolsOrDocs);
        log.WriteLine($"== artifact: {command}");
        if (!await DotnetPublishAsync(project, folder, selfContained: false, nativeAot: false, log, failures, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var (bytes, files) = Measure(folder);
        long? selfContained = null;
        var scFolder = Path.Combine(output, "publish-self-contained");
        if (await DotnetPublishAsync(project, scFolder, selfContained: true, nativeAot: false, log, failures, cancellationToken).ConfigureAwait(false))
        {
            selfContained = Measure(scFolder).Bytes;
            Directory.Delete(scFolder, recursive: true);
        }

        return new ArtifactResult(folder, bytes, files, "framework-dependent (needs the .NET 10 runtime and ASP.NET Core shared framework installed), ReadyToRun, linux-x64", command, selfContained);
    }

    /// <summary>
    /// Native AOT: the engine, the Redis package (StackExchange.Redis 1.2.6 included), the baselines and the load
    /// generator compiled ahead of time into one self-contained executable. No JIT runs at start-up.
    /// </summary>
    public static async Task<NativeAotArtifact?> PublishNativeAotAsync(string project, string output, TextWriter log, List<string> failures, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(output, "publish-aot");
        var command = "dotnet publish tests/HybridCacheKit.LoadTest -c Release -r linux-x64 --self-contained true -p:PublishAot=true -p:PublishReadyToRun=false";
        log.WriteLine($"== artifact: {command}");
        if (!await DotnetPublishAsync(project, folder, selfContained: true, nativeAot: true, log, failures, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var executable = Path.Combine(folder, "HybridCacheKit.LoadTest");
        return new NativeAotArtifact(executable, new FileInfo(executable).Length, command);
    }

    public static async Task<ColdStartResult?> ColdStartAsync(string executable, LoadTestOptions options, string configuration, TextWriter log, List<string> failures, CancellationToken cancellationToken)
    {
        var samples = new List<ColdStartSample>();
        var keys = ColdStartKeys.ForRun();
        for (var i = 0; i < options.ColdStartRuns; i++)
        {
            var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            if (executable.EndsWith(".dll", StringComparison.Ordinal))
            {
                start.FileName = "dotnet";
                start.ArgumentList.Add(executable);
            }

            foreach (var arg in (string[])["--child", "coldstart", "--coldstart-key", keys.Sample(i), "--redis", configuration, "--engine-backplane", options.EngineBackplane ? "on" : "off", "--engine-lock", options.EngineLock ? "on" : "off"])
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DOTNET_gcServer"] = options.ServerGc ? "1" : "0";
            start.Environment[ColdStartChild.SpawnVariable] = ColdStartChild.UnixNowNs().ToString(CultureInfo.InvariantCulture);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await SelfProcess.WaitOrKillAsync(process, TimeSpan.FromSeconds(60), $"cold start run {i + 1}", cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                failures.Add("cold start: " + ex.Message);
                return null;
            }

            if (process.ExitCode != 0)
            {
                failures.Add($"cold start: run {i + 1} exited with code {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
                return null;
            }

            var json = JsonDocument.Parse(await stdout.ConfigureAwait(false)).RootElement;
            samples.Add(new ColdStartSample(json.GetProperty("toMainMs").GetDouble(), json.GetProperty("toFirstOperationMs").GetDouble(), json.GetProperty("firstOperationMs").GetDouble(), json.GetProperty("fromKernelStartMs").GetDouble(), json.GetProperty("warmConnectMs").GetDouble(), json.GetProperty("warmFirstKeyMs").GetDouble(), json.GetProperty("firstLoaderRan").GetDouble() == 1, json.GetProperty("warmLoaderRan").GetDouble() == 1));
            log.WriteLine($"== cold start {i + 1}: Main at {samples[^1].ToMainMs:0.0} ms, first operation served at {samples[^1].ToFirstOperationMs:0.0} ms{(samples[^1].FirstLoaderRan ? string.Empty : " (its key was cached: the loader did not run)")}");
            if (!samples[^1].FirstLoaderRan || !samples[^1].WarmLoaderRan)
            {
                failures.Add($"cold start: run {i + 1} ({executable}) found a key cached that should have been new (first operation loader ran: {samples[^1].FirstLoaderRan}, warm new key loader ran: {samples[^1].WarmLoaderRan}).");
            }
        }

        return new ColdStartResult(executable, samples);
    }

    private static async Task<bool> DotnetPublishAsync(string project, string folder, bool selfContained, bool nativeAot, TextWriter log, List<string> failures, CancellationToken cancellationToken)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] kind = nativeAot ? ["-p:PublishAot=true", "-p:PublishReadyToRun=false"] : ["-p:PublishReadyToRun=true", .. NoSymbolsOrDocs];
        foreach (var arg in (string[])["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", selfContained ? "true" : "false", .. kind, "-o", folder, "--nologo"])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await SelfProcess.WaitOrKillAsync(process, TimeSpan.FromMinutes(10), "dotnet publish", cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            failures.Add("artifact: " + ex.Message);
            return false;
        }

        if (process.ExitCode != 0)
        {
            var text = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
            failures.Add($"artifact: dotnet publish{(nativeAot ? " (Native AOT)" : selfContained ? " --self-contained" : string.Empty)} failed ({process.ExitCode}): {string.Join('\n', text.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(5))}");
            return false;
        }

        log.WriteLine($"== artifact: published {(nativeAot ? "Native AOT " : selfContained ? "self-contained " : string.Empty)}to {folder}");
        return true;
    }

    /// <summary>
    /// The size of what runs: every file of the folder except debug symbols (.pdb, .dbg) and XML documentation (an
    /// .xml beside a .dll of the same name), which the publish no longer writes (<see cref="NoSymbolsOrDocs"/>) and
    /// which are not needed to run. The Native AOT row counts its executable alone, so both rows count the same kind
    /// of bytes.
    /// </summary>
    internal static (long Bytes, int Files) Measure(string folder)
    {
        var files = new DirectoryInfo(folder).GetFiles("*", SearchOption.AllDirectories).Where(f => !IsSymbolsOrDocs(f)).ToArray();
        return (files.Sum(f => f.Length), files.Length);
    }

    private static bool IsSymbolsOrDocs(FileInfo file) => file.Extension.ToLowerInvariant() switch
    {
        ".pdb" or ".dbg" => true,
        ".xml" => File.Exists(Path.ChangeExtension(file.FullName, ".dll")),
        _ => false,
    };
}
