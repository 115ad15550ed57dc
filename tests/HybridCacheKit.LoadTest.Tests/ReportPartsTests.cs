using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Http;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Report;
using HybridCacheKit.LoadTest.Workload;

namespace HybridCacheKit.LoadTest.Tests;

public sealed class ReportPartsTests
{
    private const string WrkSample = """
        Running 2s test @ http://127.0.0.1:40123
          2 threads and 20 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   412.33us  301.12us   9.87ms   91.02%
            Req/Sec    24.18k     2.01k   28.91k    70.00%
          Latency Distribution
             50%  351.00us
             75%  480.00us
             90%  702.00us
             99%    1.62ms
          96213 requests in 2.00s, 13.21MB read
          Socket errors: connect 0, read 2, write 0, timeout 1
          Non-2xx or 3xx responses: 4
        Requests/sec:  48106.50
        Transfer/sec:      6.60MB
        """;

    [Fact]
    public void WrkOutput_Parse_ReadsRatePercentilesAndErrors()
    {
        var result = WrkOutput.Parse("x", WrkSample);

        Assert.Equal(48106.50, result.RequestsPerSecond);
        Assert.Equal(0.351, result.P50Ms, 6);
        Assert.Equal(0.702, result.P90Ms, 6);
        Assert.Equal(1.62, result.P99Ms, 6);
        Assert.Equal(96213, result.Requests);
        Assert.Equal(3, result.SocketErrors);
        Assert.Equal(4, result.Non2xx);

        // Only 2xx/3xx responses count as served: the 96,209 of 96,213 share of wrk's 48,106.50.
        Assert.Equal(48_106.50 * (96_213 - 4) / 96_213, result.SuccessfulRequestsPerSecond, 6);
        Assert.True(result.SuccessfulRequestsPerSecond < result.RequestsPerSecond);
    }

    [Fact]
    public void Markdown_FailedOperationsInTheWindow_TargetsAreNotEvaluable()
    {
        var options = LoadTestOptions.Parse(["--mode", "engine"]);
        var clean = new RunReport { Options = options };
        clean.Results.Add(EngineResult(errors: 0));
        var failing = new RunReport { Options = options };
        failing.Results.Add(EngineResult(errors: 7));

        var cleanTargets = TargetRows(ReportWriter.Markdown(clean));
        var failingTargets = TargetRows(ReportWriter.Markdown(failing));

        Assert.Equal(3, cleanTargets.Length);
        Assert.All(cleanTargets, row => Assert.DoesNotContain("not evaluable", row, StringComparison.Ordinal));
        Assert.Equal(3, failingTargets.Length);
        Assert.All(failingTargets, row => Assert.Contains("**not evaluable**: 7 operations failed in the window", row, StringComparison.Ordinal));

        // A throughput that would meet its target is still not judged when operations failed.
        static ModeResult EngineResult(long errors) => new()
        {
            Mode = "engine",
            Throughput = 2_000_000,
            All = new LatencySummary(60_000_000, 500, 400, 800, 1_000_000, 1_500_000, 2_000_000),
            PeakRssBytes = 40L * 1024 * 1024,
            Errors = errors,
        };

        static string[] TargetRows(string markdown) => markdown.Split('\n').Where(l => l.StartsWith("| throughput ≥", StringComparison.Ordinal) || l.StartsWith("| p99 ≤", StringComparison.Ordinal) || l.StartsWith("| peak RSS ≤", StringComparison.Ordinal)).ToArray();
    }

    [Fact]
    public void Markdown_HttpErrors_RatioUsesSuccessfulResponsesAndTargetsAreNotEvaluable()
    {
        var report = new RunReport { Options = LoadTestOptions.Parse(["--mode", "http"]) };
        var hello = WrkOutput.Parse("hello", WrkSample.Replace("Socket errors: connect 0, read 2, write 0, timeout 1\n", string.Empty, StringComparison.Ordinal).Replace("  Non-2xx or 3xx responses: 4\n", string.Empty, StringComparison.Ordinal));
        var cache = WrkOutput.Parse("cache", WrkSample);
        report.Http = new HttpResult(hello, cache, null, "wrk", null);

        var markdown = ReportWriter.Markdown(report);

        Assert.Equal(0, hello.Errors);
        Assert.Contains(Invariant($"| HTTP rps ≥ 90% of hello-world | {(96_213 - 4) / 96_213.0:P1}"), markdown);
        Assert.Contains("| HTTP p99 ≤ 1.2× hello-world | 1.00× (1.62 ms / 1.62 ms) | **not evaluable**: 7 HTTP errors", markdown);
    }

    [Fact]
    public void WrkOutput_Parse_Garbage_GivesZeroAndNaNNotAnException()
    {
        var result = WrkOutput.Parse("x", "unable to connect to 127.0.0.1:1 Connection refused");

        Assert.Equal(0, result.RequestsPerSecond);
        Assert.True(double.IsNaN(result.P99Ms));
    }

    [Fact]
    public void SvgChart_Render_IsWellFormedAndEscapesLabels()
    {
        var histogram = new LatencyHistogram(stripes: 1);
        for (var i = 1; i < 1000; i++)
        {
            histogram.Record(i * 10_000L);
        }

        var svg = SvgChart.Render("t <&> t", [("a <b> & c", histogram.Snapshot()), ("empty", new long[LatencyHistogram.BucketCount])]);
        var document = XDocument.Parse(svg);

        Assert.Single(document.Descendants(), e => e.Name.LocalName == "polyline");
        Assert.Contains(document.Descendants(), e => e.Name.LocalName == "text" && e.Value == "a <b> & c");
    }

    [Fact]
    public void Options_Defaults_AreTheIssuesWorkload()
    {
        var o = LoadTestOptions.Parse([]);

        Assert.Equal(1000, o.Workload.Workers);
        Assert.Equal(100_000, o.Workload.KeyCount);
        Assert.Equal(0.3, o.Workload.WriteRatio);
        Assert.Equal(16L * 1024 * 1024, o.Workload.LocalCacheSizeLimitBytes);
        Assert.Equal(LoadTestOptions.AllModes, o.Modes);
        Assert.Equal(1000, o.HttpConnections);
    }

    [Theory]
    [InlineData("--no-publish")]
    [InlineData("--publish", "readytorun")]
    [InlineData("--publish", "none")]
    public void Options_AllWithoutTheNativeAotPublish_LeavesEngineAotOutAndSaysWhy(params string[] publish)
    {
        var o = LoadTestOptions.Parse(["--mode", "all", .. publish]);
        var defaults = LoadTestOptions.Parse(publish);

        Assert.Equal(LoadTestOptions.AllModes.Where(m => m != "engine-aot"), o.Modes);
        Assert.Equal(o.Modes, defaults.Modes);
        Assert.False(o.PublishNativeAot);
        Assert.Contains("engine-aot", Assert.Single(o.ModesLeftOut));
    }

    [Theory]
    [InlineData("--mode", "engine-aot", "--no-publish")]
    [InlineData("--no-publish", "--mode", "engine,engine-aot")]
    [InlineData("--mode", "engine-aot,coldstart", "--publish", "readytorun")]
    public void Options_EngineAotNamedWithoutTheNativeAotPublish_IsRefused(params string[] args)
    {
        var ex = Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(args));

        Assert.Contains("--mode engine-aot needs the Native AOT executable", ex.Message);
    }

    [Fact]
    public void Options_EngineAotWithTheNativeAotPublish_IsKept()
    {
        Assert.Contains("engine-aot", LoadTestOptions.Parse(["--mode", "engine-aot", "--publish", "aot"]).Modes);
        Assert.Empty(LoadTestOptions.Parse(["--mode", "all"]).ModesLeftOut);
    }

    [Fact]
    public void Options_WorkloadArguments_RoundTripThroughParse()
    {
        var o = LoadTestOptions.Parse(["--workers", "7", "--keys", "99", "--zipf", "1.1", "--write-ratio", "0.25", "--warmup", "0.5", "--duration", "2.5", "--seed", "9", "--l1-mb", "4", "--engine-backplane", "off", "--engine-timeout-ms", "900", "--cluster"]);
        var again = LoadTestOptions.Parse(o.WorkloadArguments());

        Assert.Equal(o.Workload, again.Workload);
        Assert.False(again.EngineBackplane);
        Assert.True(again.Cluster);
        Assert.Equal(TimeSpan.FromMilliseconds(900), again.EngineTimeout);
    }

    [Theory]
    [InlineData("--keys")]
    [InlineData("--keys", "--workers", "3")]
    [InlineData("--l1-mb", "1e400")]
    [InlineData("--gc", "generational")]
    [InlineData("--engine-lock", "maybe")]
    [InlineData("--mode", "")]
    [InlineData("--seed", "-1")]
    public void Options_HostileValues_ThrowArgumentExceptionNamingTheOption(params string[] args)
    {
        var ex = Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(args));

        Assert.Contains(args[0], ex.Message + " " + string.Join(' ', args));
    }

    [Fact]
    public async Task PythonPeer_UsesTheSameHistogramBucketsAndPercentileRanks()
    {
        long[] values = [0, 1, 255, 256, 257, 511, 512, 1_000, 123_456, 9_999_999, 68_719_476_735, 99_999_999_999];
        var script = $$"""
            import importlib.util, json, sys
            spec = importlib.util.spec_from_file_location("peer", sys.argv[1]); peer = importlib.util.module_from_spec(spec); spec.loader.exec_module(peer)
            counts = [0] * peer.BUCKETS
            for v in range(1, 1001): counts[peer.bucket_of(v)] += 1
            print(json.dumps({"buckets": peer.BUCKETS, "index": [peer.bucket_of(v) for v in {{JsonSerializer.Serialize(values)}}], "high": [peer.highest_equivalent(i) for i in range(peer.BUCKETS)], "summary": peer.summary(counts)}))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", "two_tier.py"));
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());

        using var json = JsonDocument.Parse(output);
        Assert.Equal(LatencyHistogram.BucketCount, json.RootElement.GetProperty("buckets").GetInt32());
        Assert.Equal(values.Select(LatencyHistogram.IndexOf), json.RootElement.GetProperty("index").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(Enumerable.Range(0, LatencyHistogram.BucketCount).Select(LatencyHistogram.HighestEquivalentValue), json.RootElement.GetProperty("high").EnumerateArray().Select(e => e.GetInt64()));

        // The same percentile ranks as the .NET summary, on the values 1..1,000 (p99.9 is the 999th value, not the 1,000th).
        var histogram = new LatencyHistogram(stripes: 1);
        for (var v = 1; v <= 1_000; v++)
        {
            histogram.Record(v);
        }

        var expected = LatencySummary.FromCounts(histogram.Snapshot());
        var summary = json.RootElement.GetProperty("summary");
        Assert.Equal(
            [expected.Count, expected.P50Ns, expected.P90Ns, expected.P99Ns, expected.P999Ns, expected.MaxNs],
            new[] { "count", "p50Ns", "p90Ns", "p99Ns", "p999Ns", "maxNs" }.Select(name => summary.GetProperty(name).GetInt64()));
        Assert.Equal(LatencyHistogram.HighestEquivalentValue(LatencyHistogram.IndexOf(999)), summary.GetProperty("p999Ns").GetInt64());
    }

    [Fact]
    public void SimulatedDatabase_Values_AreFreshAboutOneKilobyteOfJson()
    {
        var db = new SimulatedDatabase(880, TimeSpan.Zero);
        var a = db.Create(42, 1);
        var b = db.Create(42, 1);
        var json = JsonSerializer.SerializeToUtf8Bytes(a, ProductJsonContext.Default.Product);

        Assert.NotSame(a.Description, b.Description);
        Assert.Equal(a, b);
        Assert.InRange(json.Length, 950, 1_100);
        Assert.Equal("item:000042", SimulatedDatabase.KeyOf(42));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
