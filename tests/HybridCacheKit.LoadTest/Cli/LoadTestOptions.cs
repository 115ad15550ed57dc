using System.Globalization;
using HybridCacheKit.LoadTest.Workload;

namespace HybridCacheKit.LoadTest.Cli;

/// <summary>The command line. Plain parsing: <c>--name value</c> and bare flags; anything unknown or malformed is an error that names it.</summary>
internal sealed class LoadTestOptions
{
    public static readonly string[] AllModes = ["engine", "engine-aot", "raw", "twotier", "python", "http", "coldstart"];

    /// <summary>Diagnostic modes, run only when named: rawtx = raw StackExchange.Redis with the hash layout's transactional write.</summary>
    public static readonly string[] DiagnosticModes = ["rawtx"];

    public const string Usage = """
        HybridCacheKit load tool: the published distributed-cache comparison workload, run on this machine.

          dotnet run -c Release --project tests/HybridCacheKit.LoadTest -- [options]

        Options (defaults in brackets):
          --mode LIST            modes to run, comma-separated, or all [all]:
                                 engine, engine-aot (the engine mode in the Native AOT executable, published
                                 first), raw, twotier, python, http, coldstart
          --redis HOST:PORT      use this Redis (a cluster: any node, plus --cluster) [start redis-server on loopback].
                                 It is never flushed: every key the tool writes is under hcklt:, and before each
                                 mode and at the end the tool deletes those keys only (SCAN MATCH hcklt:* + DEL)
          --cluster              start a 3-master Redis Cluster (or: the --redis address is a cluster)
          --workers N            concurrent async workers [1000]
          --keys N               keyspace size [100000]
          --zipf S               Zipf exponent of key popularity [0.99]
          --write-ratio R        share of writes (SetAsync) [0.3]
          --value-chars N        description length; the JSON value is about N + 140 bytes [880]
          --warmup SECONDS       warm-up per mode, not measured [10]
          --duration SECONDS     timed window per mode [30]
          --seed N               random seed [42]
          --db-delay-ms N        simulated database latency on a miss; 0 = one thread-pool yield [0]
          --l1-mb N              engine L1 cap, LocalCacheSizeLimitBytes [16]
          --engine-backplane on|off, --engine-lock on|off   engine Redis features [on, on]
          --engine-timeout-ms N  Redis OperationTimeout and engine DistributedCacheTimeout [250 and 500, the defaults]
          --engine-serializer json|messagepack   the engine's serializer for the cached value: source-generated
                                 System.Text.Json, or HybridCacheKit's MessagePack with a generated formatter [json]
          --no-engine-metrics    do not count the engine's hits/misses with a MeterListener
          --gc workstation|server  GC of the measured .NET processes [workstation]
          --http-connections N   wrk connections [1000]
          --http-threads N       wrk threads [2]
          --http-duration SECONDS  wrk run per endpoint [20]
          --coldstart-runs N     cold-start samples per artifact and of the Python peer, each on a fresh key [5]
          --publish LIST         artifacts to publish, measure and cold-start, comma-separated, or none
                                 [readytorun,aot]: readytorun = framework-dependent ReadyToRun (plus the size of a
                                 self-contained publish), aot = one Native AOT executable
          --no-publish           same as --publish none: cold start then uses the build output, and engine-aot
                                 (which needs the Native AOT executable) is left out of all, or refused when named
          --out DIR              report folder [artifacts/load-test]
          --help
        """;

    public string[] Modes { get; private set; } = AllModes;

    /// <summary>Modes of <c>all</c> left out because of another option (engine-aot without the Native AOT publish), with why.</summary>
    public List<string> ModesLeftOut { get; } = [];

    public string? Redis { get; private set; }

    public bool Cluster { get; private set; }

    public WorkloadSettings Workload { get; private set; } = new();

    public bool EngineBackplane { get; private set; } = true;

    public bool EngineLock { get; private set; } = true;

    public bool EngineMetrics { get; private set; } = true;

    /// <summary>The engine serializes the cached value with MessagePack (generated formatter) instead of source-generated JSON.</summary>
    public bool EngineMessagePack { get; private set; }

    /// <summary>Redis OperationTimeout and engine DistributedCacheTimeout, when set (the packages' defaults otherwise).</summary>
    public TimeSpan? EngineTimeout { get; private set; }

    public bool ServerGc { get; private set; }

    public int HttpConnections { get; private set; } = 1000;

    public int HttpThreads { get; private set; } = 2;

    public TimeSpan HttpDuration { get; private set; } = TimeSpan.FromSeconds(20);

    public int ColdStartRuns { get; private set; } = 5;

    /// <summary>Publish the framework-dependent ReadyToRun artifact (and measure a self-contained one).</summary>
    public bool PublishReadyToRun { get; private set; } = true;

    /// <summary>Publish the Native AOT executable, measure it and cold-start it too.</summary>
    public bool PublishNativeAot { get; private set; } = true;

    public string OutputDirectory { get; private set; } = Path.Combine("artifacts", "load-test");

    /// <summary>Internal: run one mode in this process (set by the orchestrator for its child processes).</summary>
    public string? Child { get; private set; }

    /// <summary>Internal: where a child writes its JSON result.</summary>
    public string? ResultFile { get; private set; }

    /// <summary>Internal (coldstart child): the key its first operation serves, fresh for every sample so it is never cached.</summary>
    public string? ColdStartKey { get; private set; }

    /// <summary>Internal (http-server child): the port to listen on.</summary>
    public int Port { get; private set; }

    public bool Help { get; private set; }

    /// <summary>The arguments a child process needs to run the same workload.</summary>
    public List<string> WorkloadArguments()
    {
        var w = Workload;
        var args = new List<string>
        {
            "--workers", Text(w.Workers), "--keys", Text(w.KeyCount), "--zipf", Text(w.ZipfExponent),
            "--write-ratio", Text(w.WriteRatio), "--value-chars", Text(w.DescriptionLength),
            "--warmup", Text(w.Warmup.TotalSeconds), "--duration", Text(w.Duration.TotalSeconds), "--seed", Text(w.Seed),
            "--db-delay-ms", Text(w.DatabaseDelay.TotalMilliseconds), "--l1-mb", Text(w.LocalCacheSizeLimitBytes / (1024.0 * 1024)),
            "--engine-backplane", EngineBackplane ? "on" : "off", "--engine-lock", EngineLock ? "on" : "off",
            "--engine-serializer", EngineMessagePack ? "messagepack" : "json",
        };
        if (EngineTimeout is { } timeout)
        {
            args.AddRange(["--engine-timeout-ms", Text(timeout.TotalMilliseconds)]);
        }

        if (!EngineMetrics)
        {
            args.Add("--no-engine-metrics");
        }

        if (Cluster)
        {
            args.Add("--cluster");
        }

        return args;
    }

    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        var o = new LoadTestOptions();
        var modesAreAll = true;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--help" or "-h" or "-?":
                    o.Help = true;
                    break;
                case "--mode":
                    var modes = Value();
                    o.Modes = ParseModes(modes);
                    modesAreAll = modes == "all";
                    break;
                case "--redis":
                    o.Redis = Value();
                    break;
                case "--cluster":
                    o.Cluster = true;
                    break;
                case "--workers":
                    o.Workload = o.Workload with { Workers = Int(name, Value(), 1, 100_000) };
                    break;
                case "--keys":
                    o.Workload = o.Workload with { KeyCount = Int(name, Value(), 1, 999_999) };
                    break;
                case "--zipf":
                    o.Workload = o.Workload with { ZipfExponent = Double(name, Value(), 0, 5) };
                    break;
                case "--write-ratio":
                    o.Workload = o.Workload with { WriteRatio = Double(name, Value(), 0, 1) };
                    break;
                case "--value-chars":
                    o.Workload = o.Workload with { DescriptionLength = Int(name, Value(), 0, 1_000_000) };
                    break;
                case "--warmup":
                    o.Workload = o.Workload with { Warmup = TimeSpan.FromSeconds(Double(name, Value(), 0, 3600)) };
                    break;
                case "--duration":
                    o.Workload = o.Workload with { Duration = TimeSpan.FromSeconds(Double(name, Value(), 0.1, 3600)) };
                    break;
                case "--seed":
                    o.Workload = o.Workload with { Seed = ulong.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : throw new ArgumentException($"{name} must be a non-negative integer.") };
                    break;
                case "--db-delay-ms":
                    o.Workload = o.Workload with { DatabaseDelay = TimeSpan.FromMilliseconds(Double(name, Value(), 0, 60_000)) };
                    break;
                case "--l1-mb":
                    o.Workload = o.Workload with { LocalCacheSizeLimitBytes = (long)(Double(name, Value(), 0.001, 1_000_000) * 1024 * 1024) };
                    break;
                case "--engine-backplane":
                    o.EngineBackplane = OnOff(name, Value());
                    break;
                case "--engine-lock":
                    o.EngineLock = OnOff(name, Value());
                    break;
                case "--engine-serializer":
                    o.EngineMessagePack = Value() switch
                    {
                        "json" => false,
                        "messagepack" => true,
                        var other => throw new ArgumentException($"--engine-serializer must be json or messagepack, not '{other}'."),
                    };
                    break;
                case "--engine-timeout-ms":
                    o.EngineTimeout = TimeSpan.FromMilliseconds(Double(name, Value(), 1, 600_000));
                    break;
                case "--no-engine-metrics":
                    o.EngineMetrics = false;
                    break;
                case "--gc":
                    o.ServerGc = Value() switch
                    {
                        "server" => true,
                        "workstation" => false,
                        var other => throw new ArgumentException($"--gc must be workstation or server, not '{other}'."),
                    };
                    break;
                case "--http-connections":
                    o.HttpConnections = Int(name, Value(), 1, 100_000);
                    break;
                case "--http-threads":
                    o.HttpThreads = Int(name, Value(), 1, 256);
                    break;
                case "--http-duration":
                    o.HttpDuration = TimeSpan.FromSeconds(Double(name, Value(), 1, 3600));
                    break;
                case "--coldstart-runs":
                    o.ColdStartRuns = Int(name, Value(), 1, 100);
                    break;
                case "--publish":
                    (o.PublishReadyToRun, o.PublishNativeAot) = ParsePublish(Value());
                    break;
                case "--no-publish":
                    (o.PublishReadyToRun, o.PublishNativeAot) = (false, false);
                    break;
                case "--out":
                    o.OutputDirectory = Value();
                    break;
                case "--child":
                    o.Child = Value();
                    break;
                case "--result":
                    o.ResultFile = Value();
                    break;
                case "--coldstart-key":
                    o.ColdStartKey = Value();
                    break;
                case "--port":
                    o.Port = Int(name, Value(), 1, 65_535);
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'. Run with --help for the list.");
            }
        }

        if (!o.PublishNativeAot && o.Modes.Contains(Orchestration.Orchestrator.NativeAotEngineMode))
        {
            // engine-aot runs the Native AOT executable, which only the aot publish builds: --no-publish (or --publish
            // without aot) means no executable. Named on purpose, that is a contradiction; as part of "all", the mode is
            // left out and the report says so.
            if (!modesAreAll)
            {
                throw new ArgumentException("--mode engine-aot needs the Native AOT executable, which --no-publish (or --publish without aot) does not build. Add aot to --publish, or leave engine-aot out.");
            }

            o.Modes = o.Modes.Where(m => m != Orchestration.Orchestrator.NativeAotEngineMode).ToArray();
            o.ModesLeftOut.Add($"{Orchestration.Orchestrator.NativeAotEngineMode}: left out of --mode all, because the Native AOT executable it runs is not published (--no-publish, or --publish without aot).");
        }

        if (o.Workload.Workers > o.Workload.KeyCount * 1000L)
        {
            throw new ArgumentException("--workers is implausibly large for --keys.");
        }

        return o;
    }

    private static (bool ReadyToRun, bool NativeAot) ParsePublish(string value)
    {
        if (value == "none")
        {
            return (false, false);
        }

        var readyToRun = false;
        var nativeAot = false;
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (item)
            {
                case "readytorun":
                    readyToRun = true;
                    break;
                case "aot":
                    nativeAot = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown artifact '{item}' for --publish. Artifacts: readytorun, aot, or none.");
            }
        }

        return readyToRun || nativeAot ? (readyToRun, nativeAot) : throw new ArgumentException("--publish needs readytorun, aot, or none.");
    }

    private static string[] ParseModes(string value)
    {
        if (value == "all")
        {
            return AllModes;
        }

        var modes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var mode in modes)
        {
            if (Array.IndexOf(AllModes, mode) < 0 && Array.IndexOf(DiagnosticModes, mode) < 0)
            {
                throw new ArgumentException($"Unknown mode '{mode}'. Modes: all, {string.Join(", ", AllModes)}.");
            }
        }

        return modes.Length == 0 ? throw new ArgumentException("--mode needs at least one mode.") : modes.Distinct().ToArray();
    }

    private static int Int(string name, string value, int min, int max)
        => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"{name} must be an integer from {min} to {max}, not '{value}'.");

    private static double Double(string name, string value, double min, double max)
        => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{value}'.");

    private static bool OnOff(string name, string value) => value switch
    {
        "on" or "true" => true,
        "off" or "false" => false,
        _ => throw new ArgumentException($"{name} must be on or off, not '{value}'."),
    };

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
