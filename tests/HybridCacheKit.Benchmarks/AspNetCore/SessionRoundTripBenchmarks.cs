using BenchmarkDotNet.Attributes;
using HybridCacheKit.Benchmarks.Redis;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Benchmarks.AspNetCore;

/// <summary>
/// One HTTP request (Kestrel on loopback, a real redis-server) that reads an existing session (<c>*_Unmodified</c>) or
/// writes it (<c>*_Modified</c>), for three set-ups:
/// <list type="bullet">
/// <item><c>FrameworkSessionMicrosoftCommands</c> (baseline): ASP.NET Core's AddSession over HybridCacheKit's Redis cache
/// with scripts off, so each read is HMGET + EXPIRE as in Microsoft's RedisCache (not on this machine's feed);</item>
/// <item><c>FrameworkSession</c>: the same over the default cache (a read is one EVALSHA that also renews the TTL);</item>
/// <item><c>SessionSharing</c>: AddSessionSharing, which also skips the commit-time Refresh and the logging re-read.</item>
/// </list>
/// Setup counts each row's Redis commands and round trips with MONITOR, prints them, and fails unless AddSessionSharing
/// needs one round trip for an unmodified session and two for a modified one.
/// </summary>
[MemoryDiagnoser]
public class SessionRoundTripBenchmarks
{
    private RedisBenchmarkServer _server = null!;
    private SessionBenchmarkApp _microsoftCommands = null!;
    private SessionBenchmarkApp _framework = null!;
    private SessionBenchmarkApp _sharing = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = RedisBenchmarkServer.Start();
        try
        {
            StartAppsAndCountRoundTrips();
        }
        catch
        {
            // BenchmarkDotNet skips GlobalCleanup when setup fails: stop the apps and the redis-server here.
            Cleanup();
            throw;
        }
    }

    private void StartAppsAndCountRoundTrips()
    {
        _microsoftCommands = new SessionBenchmarkApp(_server.Configuration, SessionBenchmarkSetup.FrameworkSessionMicrosoftCommands);
        _framework = new SessionBenchmarkApp(_server.Configuration, SessionBenchmarkSetup.FrameworkSession);
        _sharing = new SessionBenchmarkApp(_server.Configuration, SessionBenchmarkSetup.SessionSharing);
        Console.WriteLine("// Redis commands per request (MONITOR; commands inside scripts not counted; MULTI..EXEC = 1 round trip):");
        var sharingUnmodified = Report(nameof(SessionSharing_Unmodified), SessionSharing_Unmodified);
        var sharingModified = Report(nameof(SessionSharing_Modified), SessionSharing_Modified);
        Report(nameof(FrameworkSession_Unmodified), FrameworkSession_Unmodified);
        Report(nameof(FrameworkSession_Modified), FrameworkSession_Modified);
        Report(nameof(FrameworkSessionMicrosoftCommands_Unmodified), FrameworkSessionMicrosoftCommands_Unmodified);
        Report(nameof(FrameworkSessionMicrosoftCommands_Modified), FrameworkSessionMicrosoftCommands_Modified);
        RedisEngine.Check(sharingUnmodified == 1, $"AddSessionSharing: an unmodified session took {sharingUnmodified} round trips, expected 1");
        RedisEngine.Check(sharingModified == 2, $"AddSessionSharing: a modified session took {sharingModified} round trips, expected 2");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sharing?.Dispose();
        _framework?.Dispose();
        _microsoftCommands?.Dispose();
        _server?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<string> FrameworkSessionMicrosoftCommands_Unmodified() => _microsoftCommands.Get();

    [Benchmark]
    public Task<string> FrameworkSession_Unmodified() => _framework.Get();

    [Benchmark]
    public Task<string> SessionSharing_Unmodified() => _sharing.Get();

    [Benchmark]
    public Task<string> FrameworkSessionMicrosoftCommands_Modified() => _microsoftCommands.Set();

    [Benchmark]
    public Task<string> FrameworkSession_Modified() => _framework.Set();

    [Benchmark]
    public Task<string> SessionSharing_Modified() => _sharing.Set();

    private int Report(string name, Func<Task<string>> request)
    {
        const int Requests = 20;
        request().GetAwaiter().GetResult();
        var monitor = RedisMonitor.StartAsync(_server.Host, _server.Port).GetAwaiter().GetResult();
        try
        {
            _ = monitor.NextBatchAsync().GetAwaiter().GetResult();
            for (var i = 0; i < Requests; i++)
            {
                request().GetAwaiter().GetResult();
            }

            var commands = monitor.NextBatchAsync().GetAwaiter().GetResult()
                .Where(e => !e.FromScript && e.Command is not ("ping" or "echo" or "info" or "cluster" or "client" or "config" or "publish" or "subscribe"))
                .Select(e => e.Command)
                .ToList();
            var roundTrips = RedisMonitor.CountRoundTrips(commands) / (double)Requests;
            Console.WriteLine($"//   {name}: {commands.Count / (double)Requests:0.##} commands, {roundTrips:0.##} round trips per request ({string.Join(' ', commands.Take(commands.Count / Requests))})");
            return (int)Math.Round(roundTrips);
        }
        finally
        {
            monitor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
