using System.Diagnostics;
using System.Globalization;

namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>
/// The rows of <see cref="RedisL2HitBenchmarks"/> (same setup, same methods, same checks), measured interleaved: each
/// round runs a block of reads of every row, in a rotating order, and a row's ratio is taken against the baseline's
/// block of the same round. BenchmarkDotNet measures one row after the other, minutes apart, so on a machine whose load
/// moves (other builds on the same 2 cores) its ratios compare different moments; paired blocks compare the same one.
/// Reported per row: latency percentiles over every read, and the median with the interquartile range of the per-round
/// ratios of block means, the thread-pool work items completed per read (each one a hop between threads), and the bytes
/// allocated per read by the whole process (every thread, so background work counts too).
/// <code>
/// dotnet run -c Release --project tests/HybridCacheKit.Benchmarks -- --redis-l2-probe [rounds=300] [block=200] [row names...]
/// </code>
/// </summary>
internal static class RedisL2HitProbe
{
    public const string Switch = "--redis-l2-probe";

    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        var block = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var bench = new RedisL2HitBenchmarks();
        bench.Setup();
        try
        {
            var rows = new (string Name, Func<Task> Read)[]
            {
                (nameof(RedisL2HitBenchmarks.RawStringGet), bench.RawStringGet),
                (nameof(RedisL2HitBenchmarks.RawHashGet), bench.RawHashGet),
                (nameof(RedisL2HitBenchmarks.AsyncInMemoryTryGet), bench.AsyncInMemoryTryGet),
                (nameof(RedisL2HitBenchmarks.EngineL2HitAsyncInMemory), () => bench.EngineL2HitAsyncInMemory().AsTask()),
                (nameof(RedisL2HitBenchmarks.DistributedCacheTryGet), bench.DistributedCacheTryGet),
                (nameof(RedisL2HitBenchmarks.DistributedCacheGet), bench.DistributedCacheGet),
                (nameof(RedisL2HitBenchmarks.EngineL2HitBackplaneConnected), () => bench.EngineL2HitBackplaneConnected().AsTask()),
                (nameof(RedisL2HitBenchmarks.EngineL2HitUserMultiplexer), () => bench.EngineL2HitUserMultiplexer().AsTask()),
                (nameof(RedisL2HitBenchmarks.EngineL2HitNoBackplane), () => bench.EngineL2HitNoBackplane().AsTask()),
            };
            if (args.Length > 2)
            {
                // The baseline stays first: ratios are against it.
                var wanted = args.Skip(2).ToHashSet(StringComparer.Ordinal);
                rows = rows.Where((r, i) => i == 0 || wanted.Contains(r.Name)).ToArray();
            }

            var latencies = rows.Select(_ => new List<double>(rounds * block)).ToArray();
            var blockMeans = rows.Select(_ => new double[rounds]).ToArray();
            var workItems = new long[rows.Length];
            var allocated = new long[rows.Length];
            foreach (var (_, read) in rows)
            {
                for (var i = 0; i < 1_000; i++)
                {
                    read().GetAwaiter().GetResult();
                }
            }

            Console.WriteLine($"// {rounds} rounds x {block} reads per row, load average {LoadAverage()} at start");
            for (var round = 0; round < rounds; round++)
            {
                for (var k = 0; k < rows.Length; k++)
                {
                    var row = (k + round) % rows.Length;
                    var read = rows[row].Read;
                    var sum = 0.0;
                    var itemsBefore = ThreadPool.CompletedWorkItemCount;
                    var bytesBefore = GC.GetTotalAllocatedBytes(precise: false);
                    for (var i = 0; i < block; i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        read().GetAwaiter().GetResult();
                        var us = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                        latencies[row].Add(us);
                        sum += us;
                    }

                    workItems[row] += ThreadPool.CompletedWorkItemCount - itemsBefore;
                    allocated[row] += GC.GetTotalAllocatedBytes(precise: false) - bytesBefore;
                    blockMeans[row][round] = sum / block;
                }
            }

            Console.WriteLine($"// load average {LoadAverage()} at end");
            Console.WriteLine("| Row | p10 µs | median µs | mean µs | p90 µs | p99 µs | ratio (median of rounds) | ratio IQR | pool items/read | B allocated/read |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
            for (var row = 0; row < rows.Length; row++)
            {
                var sorted = latencies[row].Order().ToArray();
                var ratios = Enumerable.Range(0, rounds).Select(r => blockMeans[row][r] / blockMeans[0][r]).Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rows[row].Name} | {Percentile(sorted, 0.10):F1} | {Percentile(sorted, 0.50):F1} | {sorted.Average():F1} | {Percentile(sorted, 0.90):F1} | {Percentile(sorted, 0.99):F1} | {Percentile(ratios, 0.50):F2} | {Percentile(ratios, 0.25):F2}–{Percentile(ratios, 0.75):F2} | {workItems[row] / (double)(rounds * block):F2} | {allocated[row] / (double)(rounds * block):F0} |"));
            }
        }
        finally
        {
            bench.Cleanup();
        }

        return 0;
    }

    private static double Percentile(double[] sorted, double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
