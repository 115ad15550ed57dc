using System.Globalization;
using HybridCacheKit.TestUtilities.Redis;
using StackExchange.Redis;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// The Redis server a benchmark runs against: the one named by the <c>HYBRIDCACHEKIT_BENCH_REDIS</c> environment
/// variable (<c>host:port</c>, inherited by BenchmarkDotNet's child processes), or else a local redis-server started
/// for the benchmark (no persistence) and killed after it.
/// </summary>
internal sealed class RedisBenchmarkServer : IDisposable
{
    public const string EnvironmentVariable = "HYBRIDCACHEKIT_BENCH_REDIS";

    private readonly RedisServer? _owned;

    private RedisBenchmarkServer(string host, int port, RedisServer? owned)
    {
        Host = host;
        Port = port;
        _owned = owned;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    public static RedisBenchmarkServer Start()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            var colon = external.LastIndexOf(':');
            return new RedisBenchmarkServer(external[..colon], int.Parse(external[(colon + 1)..], CultureInfo.InvariantCulture), null);
        }

        var server = RedisServer.StartAsync().GetAwaiter().GetResult();
        return new RedisBenchmarkServer(server.Host, server.Port, server);
    }

    public RespClient CreateClient() => RespClient.Connect(Host, Port);

    /// <summary>The baseline's own StackExchange.Redis connection; patient, since a busy 2-core machine can take seconds to connect.</summary>
    public ConnectionMultiplexer ConnectRaw()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 15_000;
        var multiplexer = ConnectionMultiplexer.Connect(options);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!multiplexer.IsConnected)
        {
            RedisEngine.Check(DateTime.UtcNow < deadline, "the baseline connection did not connect within 30 s");
            Thread.Sleep(20);
        }

        return multiplexer;
    }

    /// <summary>How many times each command ran since <c>CONFIG RESETSTAT</c> (command name → calls).</summary>
    public Dictionary<string, long> CommandCalls(RespClient client)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in (client.Execute("INFO", "commandstats").Text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var field = line[(colon + 1)..].Split(',')[0];
                calls[line["cmdstat_".Length..colon]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    public void Dispose() => _owned?.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
