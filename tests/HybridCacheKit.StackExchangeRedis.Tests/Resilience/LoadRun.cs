using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// Concurrent callers hammering cache nodes while a test injects a fault. Every call is timed and every exception
/// recorded (none may escape the cache layer), and every value checked against what the key may legitimately hold.
/// </summary>
internal sealed class LoadRun
{
    private static readonly HybridCacheEntryOptions s_bypassL1 = new() { Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableLocalCacheWrite };

    private readonly ConcurrentQueue<Exception> _exceptions = new();
    private readonly ConcurrentQueue<string> _wrongValues = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private long _calls;
    private long _maxTicks;

    private LoadRun(int callers, Func<int, long, Task<string?>> operation)
    {
        _loops = new Task[callers];
        for (var i = 0; i < callers; i++)
        {
            var caller = i;
            _loops[i] = Task.Run(() => LoopAsync(caller, operation));
        }
    }

    public long Calls => Interlocked.Read(ref _calls);

    public TimeSpan MaxLatency => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    public IReadOnlyList<Exception> Exceptions => [.. _exceptions];

    public IReadOnlyList<string> WrongValues => [.. _wrongValues];

    /// <summary>
    /// Starts <paramref name="callers"/> loops. Each iteration calls <paramref name="operation"/>(caller, iteration);
    /// a non-null result is a complaint about the value the cache returned.
    /// </summary>
    public static LoadRun Start(int callers, Func<int, long, Task<string?>> operation) => new(callers, operation);

    /// <summary>
    /// The standard mix over <paramref name="nodes"/>, touching every API and every path: reads of a small tagged key
    /// set (mostly L1 hits), reads with L1 bypassed (pure L2), reads of never-seen keys (the full miss path: L2 read,
    /// distributed lock, factory, L2 write, lock release), writes, removals and tag invalidations. Every value written
    /// is a function of the key (<see cref="CacheNode.FactoryValue"/>), so any value a caller sees must be exactly that.
    /// </summary>
    public static LoadRun StartMixed(int callers, params CacheNode[] nodes) => Start(callers, async (caller, i) =>
    {
        var node = nodes[(caller + i) % nodes.Length];
        var slot = ((caller * 7) + i) % 64;
        var key = "load:" + slot.ToString(CultureInfo.InvariantCulture);
        string[] tags = ["load-tag:" + (slot % 4).ToString(CultureInfo.InvariantCulture)];
        string value;
        switch (i % 16)
        {
            case 5:
                key = string.Create(CultureInfo.InvariantCulture, $"cold:{caller}:{i}");
                value = await node.GetAsync(key);
                break;
            case 6:
            case 13:
                value = await node.GetAsync(key, tags, s_bypassL1);
                break;
            case 7:
            case 14:
                await node.Cache.SetAsync(key, CacheNode.FactoryValue(key), tags: tags);
                return null;
            case 15 when i % 64 == 63:
                await node.Cache.RemoveByTagAsync(tags[0]);
                return null;
            case 15:
                await node.Cache.RemoveAsync(key);
                return null;
            default:
                value = await node.GetAsync(key, tags);
                break;
        }

        return value == CacheNode.FactoryValue(key) ? null : $"{key} returned '{value}'";
    });

    /// <summary>Stops the loops and waits (bounded) for the calls in flight.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(15));
    }

    public string Describe()
        => string.Create(CultureInfo.InvariantCulture, $"{Calls} calls by {_loops.Length} callers, max latency {MaxLatency.TotalMilliseconds:F0} ms, {_exceptions.Count} exceptions, {_wrongValues.Count} wrong values")
           + (_exceptions.TryPeek(out var first) ? $"; first exception: {first}" : string.Empty)
           + (_wrongValues.TryPeek(out var wrong) ? $"; first wrong value: {wrong}" : string.Empty);

    private async Task LoopAsync(int caller, Func<int, long, Task<string?>> operation)
    {
        for (long i = 0; !_stop.IsCancellationRequested; i++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (await operation(caller, i) is { } complaint)
                {
                    _wrongValues.Enqueue(complaint);
                }
            }
            catch (Exception ex)
            {
                _exceptions.Enqueue(ex);
            }

            var elapsed = Stopwatch.GetElapsedTime(started).Ticks;
            Interlocked.Increment(ref _calls);
            InterlockedMax(ref _maxTicks, elapsed);

            // Keep the machine responsive: a tight loop of L1 hits on 16 tasks would starve the rest of the process.
            if (i % 16 == 15)
            {
                await Task.Yield();
            }
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
