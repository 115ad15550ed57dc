using System.Text.Json;
using System.Xml.Linq;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.LoadTest.Tests;

/// <summary>
/// Short runs of the real tool against a real redis-server (and the real Python peer, Kestrel and wrk): the report,
/// the table, the chart and the result files are produced and their numbers are sane. No performance assertions.
/// </summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class SmokeTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Run_ServiceModesAndPythonPeer_WritesTableChartAndOrderedPercentiles()
    {
        var output = ToolProcess.NewOutputDirectory();
        var (exit, log) = await ToolProcess.RunAsync(Timeout,
            "--mode", "engine,raw,twotier,python", "--redis", redis.ConfigurationString, "--coldstart-runs", "3",
            "--workers", "50", "--keys", "2000", "--warmup", "1", "--duration", "1.5", "--out", output);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"));
        Assert.Contains("| metric | HybridCacheKit (measured) | raw SE.Redis, no L1 (measured) | two-tier port (.NET) (measured) | two-tier (Python) (measured) | Python (quoted)", report);
        foreach (var row in new[] { "| throughput (ops/s) |", "| p50 latency |", "| p99 latency |", "| p99.9 latency |", "| memory (peak RSS) |", "| artifact size |", "| cold start |" })
        {
            Assert.Contains(row, report);
        }

        Assert.Contains("![latency distribution](latency.svg)", report);
        Assert.DoesNotContain("Not measured", report);

        var svg = XDocument.Load(Path.Combine(output, "latency.svg"));
        Assert.Equal(4, svg.Descendants().Count(e => e.Name.LocalName == "polyline"));

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var modes = results.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["engine", "raw", "twotier", "python"], modes.Select(m => m.GetProperty("mode").GetString()));
        foreach (var mode in modes)
        {
            var name = mode.GetProperty("mode").GetString();
            Assert.True(mode.GetProperty("reads").GetInt64() > 0, $"{name}: no read measured");
            Assert.True(mode.GetProperty("writes").GetInt64() > 0, $"{name}: no write measured");
            Assert.True(mode.GetProperty("throughput").GetDouble() > 0, $"{name}: no throughput");
            Assert.Equal(0, mode.GetProperty("errors").GetInt64());
            Assert.Equal(0, mode.GetProperty("wrongValues").GetInt64());
            Assert.True(mode.GetProperty("peakRssBytes").GetInt64() > 1024 * 1024, $"{name}: no peak RSS");
            var all = mode.GetProperty("all");
            var p50 = all.GetProperty("p50Ns").GetInt64();
            var p99 = all.GetProperty("p99Ns").GetInt64();
            var p999 = all.GetProperty("p999Ns").GetInt64();
            var max = all.GetProperty("maxNs").GetInt64();
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max, $"{name}: percentiles out of order: {p50} {p99} {p999} {max}");
            var histogramCount = mode.GetProperty("histogram").EnumerateArray().Sum(pair => pair[1].GetInt64());
            Assert.Equal(all.GetProperty("count").GetInt64(), histogramCount);
        }

        // The services' counters cover the window only, like the latencies: every read in the window was counted once
        // as an L1 lookup (engine: a hit or a miss of tier l1; two-tier ports: an L1 hit, an L2 hit or a load). Reads
        // that straddle an edge are counted on one side only, hence the slack of the workers at each edge.
        AssertCountedReads(modes[0], "hybridcache.hits.l1", "hybridcache.misses.l1");
        AssertCountedReads(modes[2], "l1.hits", "l2.hits", "misses");
        AssertCountedReads(modes[3], "l1.hits", "l2.hits", "loads");

        // The Python cold start honours --coldstart-runs, and every sample read a key that was not cached.
        var python = modes[3].GetProperty("counters");
        Assert.Equal(3, python.GetProperty("coldstart.samples").GetInt64());
        Assert.Equal(3, python.GetProperty("coldstart.loader.runs").GetInt64());

        // The engine mode reads Redis's own counters around the window: its operations reached Redis.
        var engineCommands = modes[0].GetProperty("redis").GetProperty("commands");
        Assert.True(engineCommands.EnumerateObject().Any(), "the engine mode sent no command to Redis in the window");
    }

    /// <summary>
    /// A Redis the user supplies is never flushed: keys of theirs (named like the workload's old keys, too) survive a
    /// run of every mode that writes to Redis, and the tool leaves none of its own keys behind.
    /// </summary>
    [Fact]
    public async Task Run_SuppliedRedis_KeepsTheUsersKeysAndRemovesOnlyTheToolsOwn()
    {
        string[] sentinels = ["user:sentinel", "item:000001", "lt:item:000002", "hcklt"];
        using (var client = redis.Server.CreateClient())
        {
            Assert.Equal("OK", client.Execute("FLUSHALL").Text);
            foreach (var key in sentinels)
            {
                Assert.Equal("OK", client.Execute("SET", key, "kept:" + key).Text);
            }
        }

        var output = ToolProcess.NewOutputDirectory();
        var (exit, log) = await ToolProcess.RunAsync(Timeout,
            "--mode", "engine,raw,twotier,python,http,coldstart", "--no-publish", "--coldstart-runs", "1", "--redis", redis.ConfigurationString,
            "--workers", "20", "--keys", "500", "--warmup", "0.5", "--duration", "0.5", "--http-duration", "1", "--http-connections", "10", "--out", output);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        using var reader = redis.Server.CreateClient();
        foreach (var key in sentinels)
        {
            Assert.Equal("kept:" + key, reader.Execute("GET", key).Text);
        }

        // Only the sentinels are left: every key the modes wrote was under the tool's namespace and was deleted.
        Assert.Equal(sentinels.Length, reader.Execute("DBSIZE").Integer);
    }

    [Fact]
    public async Task Run_ClusterWithoutARedisAddress_StartsAThreeMasterClusterAndRunsEveryDotNetModeAgainstIt()
    {
        var output = ToolProcess.NewOutputDirectory();
        var (exit, log) = await ToolProcess.RunAsync(Timeout,
            "--mode", "engine,raw,twotier", "--cluster",
            "--workers", "50", "--keys", "2000", "--warmup", "0.5", "--duration", "1.5", "--out", output);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"));
        Assert.Contains("cluster of 3 masters on loopback", report);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var modes = results.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["engine", "raw", "twotier"], modes.Select(m => m.GetProperty("mode").GetString()));
        foreach (var mode in modes)
        {
            var name = mode.GetProperty("mode").GetString();
            Assert.True(mode.GetProperty("reads").GetInt64() > 0, $"{name}: no read measured");
            Assert.True(mode.GetProperty("writes").GetInt64() > 0, $"{name}: no write measured");
            Assert.Equal(0, mode.GetProperty("errors").GetInt64());
            Assert.Equal(0, mode.GetProperty("wrongValues").GetInt64());
        }

        // Redis's counters are summed over the masters: the engine's commands reached the cluster.
        Assert.True(modes[0].GetProperty("redis").GetProperty("commands").EnumerateObject().Any(), "the engine mode sent no command to the cluster in the window");
    }

    [Fact]
    public async Task Run_HttpMode_MeasuresHelloWorldAndTheCacheEndpointsWithWrk()
    {
        var output = ToolProcess.NewOutputDirectory();
        var (exit, log) = await ToolProcess.RunAsync(Timeout,
            "--mode", "http", "--redis", redis.ConfigurationString, "--keys", "2000",
            "--warmup", "1", "--http-duration", "2", "--http-connections", "20", "--out", output);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var http = results.RootElement.GetProperty("http");
        foreach (var run in new[] { http.GetProperty("hello"), http.GetProperty("cache") })
        {
            Assert.True(run.GetProperty("requestsPerSecond").GetDouble() > 0, run.GetProperty("raw").GetString());
            // Every answer was a success; socket timeouts are a matter of speed on a busy machine and are not asserted.
            Assert.Equal(0, run.GetProperty("non2xx").GetInt64());
            Assert.True(run.GetProperty("requests").GetInt64() > run.GetProperty("socketErrors").GetInt64(), run.GetProperty("raw").GetString());
            var p50 = run.GetProperty("p50Ms").GetDouble();
            var p99 = run.GetProperty("p99Ms").GetDouble();
            Assert.True(p50 > 0 && p50 <= run.GetProperty("p90Ms").GetDouble() && run.GetProperty("p90Ms").GetDouble() <= p99, run.GetProperty("raw").GetString());
        }

        // The writes carried their values: the server deserialized and stored posted products, and the hello-world
        // endpoint deserialized the same bodies.
        using var counters = JsonDocument.Parse(http.GetProperty("serverCounters").GetString()!);
        Assert.True(counters.RootElement.GetProperty("postedItems").GetInt64() > 0, counters.RootElement.ToString());
        Assert.True(counters.RootElement.GetProperty("postedHello").GetInt64() > 0, counters.RootElement.ToString());

        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"));
        Assert.Contains("## HTTP mode", report);
        Assert.Contains("HTTP rps ≥ 90% of hello-world", report);
    }

    [Fact]
    public async Task Run_ColdStartWithoutARedisAddress_StartsItsOwnRedisAndTimesTheFirstOperation()
    {
        var output = ToolProcess.NewOutputDirectory();
        var (exit, log) = await ToolProcess.RunAsync(Timeout, "--mode", "coldstart", "--no-publish", "--coldstart-runs", "3", "--out", output);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        Assert.Contains("started by the tool", log);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        AssertColdStartSamples(results.RootElement.GetProperty("coldStart"), expected: 3);

        Assert.Contains("| cold start ≤ 100 ms (JIT, build output) |", await File.ReadAllTextAsync(Path.Combine(output, "report.md")));
    }

    /// <summary>
    /// The tool published as a Native AOT executable (engine, Redis package with StackExchange.Redis 1.2.6, backplane,
    /// lock, source-generated JSON) runs the workload against a real redis-server with no error and no wrong value,
    /// and its cold start serves a first operation. This is the test behind "works under Native AOT".
    /// </summary>
    [Fact]
    public async Task Run_NativeAotExecutable_ServesTheWorkloadAndAColdStart()
    {
        var output = ToolProcess.NewOutputDirectory();
        var (exit, log) = await ToolProcess.RunAsync(TimeSpan.FromMinutes(8),
            "--mode", "engine-aot,coldstart", "--publish", "aot", "--redis", redis.ConfigurationString, "--coldstart-runs", "2",
            "--workers", "50", "--keys", "2000", "--warmup", "0.5", "--duration", "1.5", "--out", output);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        var executable = Path.Combine(output, "publish-aot", "HybridCacheKit.LoadTest");
        Assert.True(File.Exists(executable), "no Native AOT executable was published");
        Assert.False(File.Exists(Path.Combine(output, "publish-aot", "HybridCacheKit.LoadTest.dll")), "a Native AOT publish has no IL assembly to run");

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var mode = Assert.Single(results.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("engine-aot", mode.GetProperty("mode").GetString());
        Assert.Contains("Native AOT", mode.GetProperty("runtime").GetString());
        Assert.True(mode.GetProperty("reads").GetInt64() > 0 && mode.GetProperty("writes").GetInt64() > 0, "no operation measured");
        Assert.Equal(0, mode.GetProperty("errors").GetInt64());
        Assert.Equal(0, mode.GetProperty("wrongValues").GetInt64());

        // Its operations reached Redis: reads of L1 misses and the write script.
        var commands = mode.GetProperty("redis").GetProperty("commands");
        Assert.True(commands.GetProperty("hmget").GetProperty("calls").GetInt64() > 0, commands.ToString());
        Assert.True(commands.GetProperty("evalsha").GetProperty("calls").GetInt64() > 0, commands.ToString());

        Assert.Equal(executable, results.RootElement.GetProperty("nativeAot").GetProperty("executable").GetString());
        AssertColdStartSamples(results.RootElement.GetProperty("coldStartNativeAot"), expected: 2);

        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"));
        Assert.Contains("| metric | HybridCacheKit, Native AOT (measured) |", report);
        Assert.Contains("| cold start ≤ 100 ms (Native AOT) |", report);
        Assert.Contains("### Native AOT", report);
        Assert.DoesNotContain("Not measured", report);

        await AssertMessagePackWorkloadAsync(executable, output);
    }

    /// <summary>
    /// The same Native AOT executable with MessagePack values (<c>--engine-serializer messagepack</c>): Native AOT has
    /// no reflection-based MessagePack, so this runs on the source-generated formatter of <c>Product</c> alone. No
    /// error, no wrong value, and what Redis holds is MessagePack: a map whose member names are fixstr strings.
    /// </summary>
    private async Task AssertMessagePackWorkloadAsync(string executable, string output)
    {
        using (var client = redis.Server.CreateClient())
        {
            Assert.Equal("OK", client.Execute("FLUSHALL").Text);
        }

        var resultFile = Path.Combine(output, "messagepack.json");
        var (exit, log) = await ToolProcess.RunAsync(executable, TimeSpan.FromMinutes(2),
            "--child", "engine", "--engine-serializer", "messagepack", "--redis", redis.ConfigurationString,
            "--workers", "50", "--keys", "2000", "--warmup", "0.5", "--duration", "1.5", "--result", resultFile);
        Assert.True(exit == 0, $"exit code {exit}:\n{log}");

        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultFile));
        var root = result.RootElement;
        Assert.Contains("MessagePack values", root.GetProperty("description").GetString());
        Assert.True(root.GetProperty("reads").GetInt64() > 0 && root.GetProperty("writes").GetInt64() > 0, "no operation measured");
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal(0, root.GetProperty("wrongValues").GetInt64());

        // Key 0 is read when the service starts, so its value was loaded and written to L2 by this run.
        using var reader = redis.Server.CreateClient();
        var data = reader.Execute("HGET", "hcklt:item:000000", "data").Bytes;
        Assert.NotNull(data);
        byte[] description = [0xAB, .. "Description"u8];
        Assert.True(data.AsSpan().IndexOf(description) >= 0, "the L2 value has no MessagePack fixstr \"Description\" member name: " + Convert.ToHexString(data));
        Assert.True(data.AsSpan().IndexOf("\"Description\":"u8) < 0, "the L2 value is JSON, not MessagePack");
    }

    private static void AssertCountedReads(JsonElement mode, params string[] counters)
    {
        var reads = mode.GetProperty("reads").GetInt64();
        var counted = counters.Sum(name => name == "loads" ? mode.GetProperty("databaseLoads").GetInt64() : mode.GetProperty("counters").TryGetProperty(name, out var c) ? c.GetInt64() : 0);
        Assert.True(Math.Abs(counted - reads) <= 100 + (reads / 50), $"{mode.GetProperty("mode").GetString()}: {counted:N0} reads counted by {string.Join(" + ", counters)}, {reads:N0} reads measured in the window");
    }

    /// <summary>
    /// Each cold-start sample reached Main, then served its first operation later, and that operation (and the warm
    /// "new key" after it) found nothing cached and ran the loader: every sample, not only the first.
    /// </summary>
    private static void AssertColdStartSamples(JsonElement coldStart, int expected)
    {
        var samples = coldStart.GetProperty("samples").EnumerateArray().ToArray();
        Assert.Equal(expected, samples.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            var sample = samples[i];
            var toMain = sample.GetProperty("toMainMs").GetDouble();
            var toFirst = sample.GetProperty("toFirstOperationMs").GetDouble();
            Assert.True(toMain > 0 && toMain < toFirst, $"Main at {toMain} ms, first operation at {toFirst} ms");
            Assert.True(sample.GetProperty("firstLoaderRan").GetBoolean(), $"sample {i + 1}: the first operation's key was cached, the loader did not run");
            Assert.True(sample.GetProperty("warmLoaderRan").GetBoolean(), $"sample {i + 1}: the warm new key was cached, the loader did not run");
        }
    }

    [Theory]
    [InlineData("--workers", "0", "--workers must be an integer from 1")]
    [InlineData("--zipf", "NaN", "--zipf must be a number")]
    [InlineData("--mode", "engine,rm -rf", "Unknown mode 'rm -rf'")]
    [InlineData("--duration", "-5", "--duration must be a number")]
    [InlineData("--frobnicate", "1", "Unknown option '--frobnicate'")]
    [InlineData("--publish", "r2r", "Unknown artifact 'r2r' for --publish")]
    [InlineData("--engine-serializer", "xml", "--engine-serializer must be json or messagepack")]
    public async Task Run_BadArguments_ExitsWithAClearMessageBeforeDoingAnything(string option, string value, string message)
    {
        var output = Path.Combine(Path.GetTempPath(), "hck-loadtest-never-" + Guid.NewGuid().ToString("N"));
        var (exit, log) = await ToolProcess.RunAsync(TimeSpan.FromMinutes(1), option, value, "--out", output);

        Assert.Equal(2, exit);
        Assert.Contains(message, log);
        Assert.False(Directory.Exists(output));
    }
}
