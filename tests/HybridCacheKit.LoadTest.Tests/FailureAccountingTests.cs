using System.Text.Json;
using HybridCacheKit.LoadTest.Workload;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.LoadTest.Tests;

/// <summary>
/// Failed operations are not throughput: a real redis-server that refuses every write (maxmemory reached, noeviction:
/// "OOM command not allowed") under the raw mode and the Python peer, where a write is a SET(EX) and a read of an
/// uncached key ends in one. Only the reads of the one key stored beforehand succeed.
/// </summary>
public sealed class FailureAccountingTests
{
    [Theory]
    [InlineData("raw")]
    [InlineData("python")]
    public async Task Run_RedisRefusingWrites_CountsOnlySuccessesAsThroughputAndTheFailuresApart(string mode)
    {
        await using var server = await RedisServer.StartAsync(["--maxmemory-policy", "noeviction"]);
        using (var client = server.CreateClient())
        {
            // The service starts by reading key 0, so that one is stored while writes still work (in each peer's JSON:
            // the .NET source-generated shape, or Python's lower-case members).
            var product = new SimulatedDatabase(880, TimeSpan.Zero).Create(0, 0);
            byte[] value = mode == "python" ? """{"id": 0}"""u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(product, ProductJsonContext.Default.Product);
            Assert.Equal("OK", client.Execute("SET", "hcklt:item:000000", value).Text);
            Assert.Equal("OK", client.Execute("CONFIG", "SET", "maxmemory", "1").Text);
            Assert.StartsWith("OOM", client.Execute("SET", "hcklt:probe", "x").Text);
        }

        var output = ToolProcess.NewOutputDirectory();
        var resultFile = Path.Combine(output, "raw.json");
        string[] workload = ["--redis", server.ConfigurationString, "--workers", "20", "--keys", "100", "--warmup", "0.3", "--duration", "1", "--result", resultFile];
        var (exit, log) = mode == "python"
            ? await ToolProcess.RunAsync("/usr/bin/python3", TimeSpan.FromMinutes(2), [Path.Combine(AppContext.BaseDirectory, "python", "two_tier.py"), .. workload])
            : await ToolProcess.RunAsync(TimeSpan.FromMinutes(2), ["--child", mode, .. workload]);

        Assert.True(exit == 0, $"exit code {exit}:\n{log}");
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultFile));
        var root = result.RootElement;
        var reads = root.GetProperty("reads").GetInt64();
        Assert.Equal(0, root.GetProperty("writes").GetInt64());
        Assert.True(reads > 0, "no read of the stored key succeeded");
        Assert.True(root.GetProperty("errors").GetInt64() > 0, "no failed operation counted in the window");
        Assert.Contains("OOM", root.GetProperty("firstError").GetString());
        Assert.Equal(reads, root.GetProperty("all").GetProperty("count").GetInt64());
        Assert.Equal(reads / root.GetProperty("windowSeconds").GetDouble(), root.GetProperty("throughput").GetDouble(), 6);
        Assert.True(root.GetProperty("failuresOutsideWindow").GetInt64() > 0, "the warm-up's failures were not counted apart");
    }
}
