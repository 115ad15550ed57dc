using HybridCacheKit.LoadTest.Cli;

namespace HybridCacheKit.LoadTest.Report;

/// <summary>Everything one orchestrated run measured, gathered for the report writers.</summary>
internal sealed class RunReport
{
    public required LoadTestOptions Options { get; init; }

    public DateTime StartedUtc { get; init; }

    public DateTime FinishedUtc { get; set; }

    public double[]? LoadAverageStart { get; init; }

    public double[]? LoadAverageEnd { get; set; }

    public string RedisDescription { get; set; } = string.Empty;

    public List<ModeResult> Results { get; } = [];

    /// <summary>Why a mode has no column (python3-redis missing, wrk missing, a child failed...).</summary>
    public List<string> Failures { get; } = [];

    public List<string> Notes { get; } = [];

    public ArtifactResult? Artifact { get; set; }

    /// <summary>The Native AOT executable, when it was published.</summary>
    public NativeAotArtifact? NativeAot { get; set; }

    /// <summary>Cold start of the framework-dependent ReadyToRun artifact (or of the build output without publishing).</summary>
    public ColdStartResult? ColdStart { get; set; }

    /// <summary>Cold start of the Native AOT executable.</summary>
    public ColdStartResult? ColdStartNativeAot { get; set; }

    public HttpResult? Http { get; set; }

    public ModeResult? Find(string mode) => Results.FirstOrDefault(r => r.Mode == mode);
}

/// <summary>The size of the published tool.</summary>
internal sealed record ArtifactResult(string Directory, long Bytes, int Files, string Kind, string Command, long? SelfContainedBytes);

/// <summary>
/// The tool published as one Native AOT executable (self-contained: no .NET runtime needed; its debug symbols are
/// written beside it and are not needed to run).
/// </summary>
internal sealed record NativeAotArtifact(string Executable, long Bytes, string Command);

/// <summary>Cold start: process start to the first cache operation served, several samples.</summary>
internal sealed record ColdStartResult(string Executable, List<ColdStartSample> Samples)
{
    public double MedianMs(Func<ColdStartSample, double> select)
    {
        var values = Samples.Select(select).Order().ToArray();
        return values.Length == 0 ? double.NaN : values[values.Length / 2];
    }
}

/// <summary>One cold start: from the parent's timestamp just before spawning to Main entered, to the first operation served.</summary>
/// <param name="FirstLoaderRan">The first operation found its key uncached and ran the loader, as the row's definition says.</param>
/// <param name="WarmLoaderRan">The same for the second new key served in the then-warm process.</param>
internal sealed record ColdStartSample(double ToMainMs, double ToFirstOperationMs, double FirstOperationMs, double FromKernelStartMs, double WarmConnectMs, double WarmFirstKeyMs, bool FirstLoaderRan, bool WarmLoaderRan);

/// <summary>
/// One wrk run against the HTTP app. <see cref="RequestsPerSecond"/> is wrk's own figure, which counts every response,
/// non-2xx/3xx ones included; <see cref="SuccessfulRequestsPerSecond"/> keeps the 2xx/3xx share of it (wrk's exact run
/// time stays in; the "in 20.01s" it prints is rounded). Socket errors (connect, read, write, timeout) are requests
/// that got no response.
/// </summary>
internal sealed record WrkResult(string Endpoint, double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, long Requests, long SocketErrors, long Non2xx, string Raw)
{
    public long Errors => SocketErrors + Non2xx;

    public double SuccessfulRequestsPerSecond => Requests > 0 ? RequestsPerSecond * (Requests - Non2xx) / Requests : 0;
}

/// <summary>The HTTP mode: hello-world and the cache workload through Kestrel, in one app, in one run.</summary>
internal sealed record HttpResult(WrkResult Hello, WrkResult Cache, long? ServerPeakRssBytes, string Command, string? ServerCounters);
