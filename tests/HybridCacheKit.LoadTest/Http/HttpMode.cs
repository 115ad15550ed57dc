using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Orchestration;
using HybridCacheKit.LoadTest.Redis;
using HybridCacheKit.LoadTest.Report;

namespace HybridCacheKit.LoadTest.Http;

/// <summary>
/// The HTTP mode: starts the Kestrel app (<see cref="HttpApp"/>) in its own process, warms the cache through it, then
/// drives the hello-world endpoints and the cache endpoints in turn with wrk (same connections, threads, duration and
/// Lua script, so the client's own cost is the same) and reports requests per second, percentiles and the ratios.
/// </summary>
internal static class HttpMode
{
    public static string Script => Path.Combine(AppContext.BaseDirectory, "lua", "mix.lua");

    public static string? Missing() => RedisLauncher.FindOnPath("wrk") is null ? "wrk is not on PATH (Debian: apt-get install -y wrk)." : null;

    public static async Task<HttpResult?> RunAsync(LoadTestOptions options, string configuration, TextWriter log, List<string> failures, CancellationToken cancellationToken)
    {
        var wrk = RedisLauncher.FindOnPath("wrk")!;
        var port = FreePort();
        var args = new List<string> { "--child", "http-server", "--redis", configuration, "--port", port.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(options.WorkloadArguments());
        using var server = Process.Start(SelfProcess.StartInfo(args, options.ServerGc, redirect: false)) ?? throw new InvalidOperationException("could not start the HTTP server");
        try
        {
            if (!await WaitForPortAsync(port, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false))
            {
                failures.Add("http: the Kestrel server did not start listening within 60 s.");
                return null;
            }

            var w = options.Workload;
            var c = options.HttpConnections.ToString(CultureInfo.InvariantCulture);
            var t = options.HttpThreads.ToString(CultureInfo.InvariantCulture);
            string[] Mix(string prefix) => [prefix, w.KeyCount.ToString(CultureInfo.InvariantCulture), w.ZipfExponent.ToString("R", CultureInfo.InvariantCulture), w.WriteRatio.ToString("R", CultureInfo.InvariantCulture), w.Seed.ToString(CultureInfo.InvariantCulture), w.DescriptionLength.ToString(CultureInfo.InvariantCulture)];
            var url = $"http://127.0.0.1:{port}";

            if (w.Warmup > TimeSpan.Zero)
            {
                log.WriteLine($"== http: warm-up {w.Warmup.TotalSeconds:0} s through /items");
                _ = await RunWrkAsync(wrk, t, c, w.Warmup, url, Mix("/items/"), cancellationToken).ConfigureAwait(false);
            }

            log.WriteLine($"== http: hello-world, {c} connections, {options.HttpDuration.TotalSeconds:0} s");
            var hello = WrkOutput.Parse("hello-world (GET, POST /hello/{id})", await RunWrkAsync(wrk, t, c, options.HttpDuration, url, Mix("/hello/"), cancellationToken).ConfigureAwait(false));
            log.WriteLine($"== http: hello-world {hello.SuccessfulRequestsPerSecond:N0} successful req/s, p99 {hello.P99Ms:0.00} ms, errors {hello.Errors}");
            log.WriteLine($"== http: cache workload, {c} connections, {options.HttpDuration.TotalSeconds:0} s");
            var cache = WrkOutput.Parse("cache (GET, POST /items/{id})", await RunWrkAsync(wrk, t, c, options.HttpDuration, url, Mix("/items/"), cancellationToken).ConfigureAwait(false));
            log.WriteLine($"== http: cache {cache.SuccessfulRequestsPerSecond:N0} successful req/s, p99 {cache.P99Ms:0.00} ms, errors {cache.Errors}");

            string? stats = null;
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                stats = await http.GetStringAsync(url + "/stats").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                stats = "unavailable: " + ex.Message;
            }

            var peak = ReadPeakRss(server.Id);
            var command = $"wrk -t{t} -c{c} -d{options.HttpDuration.TotalSeconds:0}s --latency -s lua/mix.lua {url} -- /items/ (or /hello/) {string.Join(' ', Mix("").Skip(1))}";
            return new HttpResult(hello, cache, peak, command, stats);
        }
        finally
        {
            SelfProcess.Kill(server);
        }
    }

    private static async Task<string> RunWrkAsync(string wrk, string threads, string connections, TimeSpan duration, string url, string[] scriptArgs, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(wrk) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-t" + threads, "-c" + connections, "-d" + ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s", "--latency", "-s", Script, url, "--", .. scriptArgs])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start wrk");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await SelfProcess.WaitOrKillAsync(process, duration + TimeSpan.FromSeconds(60), "wrk", cancellationToken).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}{output}");
        }

        return output;
    }

    private static long? ReadPeakRss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<bool> WaitForPortAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
