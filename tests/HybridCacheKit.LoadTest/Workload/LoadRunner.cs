using System.Diagnostics;
using HybridCacheKit.LoadTest.Metrics;
using HybridCacheKit.LoadTest.Services;

namespace HybridCacheKit.LoadTest.Workload;

/// <summary>
/// Drives a <see cref="CacheService"/> with a closed loop of <see cref="WorkloadSettings.Workers"/> asynchronous
/// workers. Each worker draws its next operation from its own random stream (Zipf key from the alias table; write with
/// probability <see cref="WorkloadSettings.WriteRatio"/>), awaits it, records its latency and draws again. The run has a
/// warm-up (nothing recorded) and then the timed window; only operations that start and end inside the window are
/// recorded, and only successful ones (a right value read, a write acknowledged) go into the latencies and so into the
/// throughput: a failed or wrong one is counted apart. The latency of an operation is the time from just before the call to just after the await resumes, so it
/// includes any wait for a thread-pool thread. Written values are built before the clock starts.
/// </summary>
internal sealed class LoadRunner(CacheService service, WorkloadSettings settings, SimulatedDatabase database, TextWriter progress)
{
    private const int WarmingUp = 0;
    private const int Measuring = 1;
    private const int Stopped = 2;

    private readonly ZipfAliasTable _zipf = new(settings.KeyCount, settings.ZipfExponent);
    private readonly LatencyHistogram _reads = new();
    private readonly LatencyHistogram _writes = new();
    private readonly StripedCounter _completed = new();
    private readonly StripedCounter _errors = new();
    private readonly StripedCounter _wrongValues = new();
    private readonly StripedCounter _windowErrors = new();
    private readonly StripedCounter _windowWrongValues = new();
    private readonly double _nsPerTick = 1_000_000_000.0 / Stopwatch.Frequency;
    private int _phase;
    private Exception? _firstError;

    /// <summary>Called just before the timed window opens (outside it), e.g. to read Redis's counters.</summary>
    public Func<Task>? WindowStarting { get; init; }

    /// <summary>Called just after the timed window closed, before the workers are awaited.</summary>
    public Func<Task>? WindowEnded { get; init; }

    /// <param name="cancellationToken">Stops the run early: the workers finish their operation in flight and the
    /// cancellation is thrown.</param>
    public async Task<RunMeasurement> RunAsync(CancellationToken cancellationToken = default)
    {
        var writeThreshold = (ulong)(settings.WriteRatio * (1UL << 53));
        var workers = new Task[settings.Workers];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < workers.Length; i++)
        {
            var id = i;
            workers[i] = Task.Run(() => WorkerAsync(id, writeThreshold));
        }

        var sampler = new RuntimeSampler();
        try
        {
            return await MeasureAsync(started, workers, sampler, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Volatile.Write(ref _phase, Stopped);
            await Task.WhenAll(workers).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<RunMeasurement> MeasureAsync(long started, Task[] workers, RuntimeSampler sampler, CancellationToken cancellationToken)
    {
        await ReportUntilAsync(started, settings.Warmup, "warm-up", sampler: null, cancellationToken).ConfigureAwait(false);

        if (WindowStarting is not null)
        {
            await WindowStarting().ConfigureAwait(false);
        }

        var before = RuntimeSnapshot.Take();
        var windowStart = Stopwatch.GetTimestamp();
        Volatile.Write(ref _phase, Measuring);
        await ReportUntilAsync(windowStart, settings.Duration, "measure", sampler, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _phase, Stopped);
        var window = Stopwatch.GetElapsedTime(windowStart);
        var after = RuntimeSnapshot.Take();
        if (WindowEnded is not null)
        {
            await WindowEnded().ConfigureAwait(false);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var reads = _reads.Snapshot();
        var writes = _writes.Snapshot();
        return new RunMeasurement(
            window,
            reads,
            writes,
            _windowErrors.Value,
            _windowWrongValues.Value,
            _errors.Value - _windowErrors.Value + (_wrongValues.Value - _windowWrongValues.Value),
            _firstError?.ToString(),
            after.Minus(before),
            sampler.PeakRssBytes,
            sampler.MaxPendingWorkItems,
            sampler.MaxThreadCount);
    }

    private enum Failure
    {
        None,
        Error,
        WrongValue,
    }

    private async Task WorkerAsync(int id, ulong writeThreshold)
    {
        var random = new WorkerRandom(settings.Seed, id);
        long version = (long)id << 32;
        while (true)
        {
            var phase = Volatile.Read(ref _phase);
            if (phase == Stopped)
            {
                return;
            }

            var index = _zipf.Sample(random.Next());
            var write = (random.Next() >> 11) < writeThreshold;
            var key = SimulatedDatabase.KeyOf(index);
            var value = write ? database.Create(index, ++version) : null;
            var start = Stopwatch.GetTimestamp();
            var failure = Failure.None;
            try
            {
                if (write)
                {
                    await service.WriteAsync(key, value!).ConfigureAwait(false);
                }
                else
                {
                    var read = await service.ReadAsync(index, key).ConfigureAwait(false);
                    if (read.Id != index)
                    {
                        failure = Failure.WrongValue;
                        _wrongValues.Increment();
                    }
                }
            }
            catch (Exception ex)
            {
                failure = Failure.Error;
                _errors.Increment();
                Interlocked.CompareExchange(ref _firstError, ex, null);
            }

            var elapsedNs = (long)((Stopwatch.GetTimestamp() - start) * _nsPerTick);
            _completed.Increment();
            if (phase == Measuring && Volatile.Read(ref _phase) == Measuring)
            {
                switch (failure)
                {
                    case Failure.None:
                        (write ? _writes : _reads).Record(elapsedNs);
                        break;
                    case Failure.Error:
                        _windowErrors.Increment();
                        break;
                    default:
                        _windowWrongValues.Increment();
                        break;
                }
            }
        }
    }

    private async Task ReportUntilAsync(long since, TimeSpan length, string label, RuntimeSampler? sampler, CancellationToken cancellationToken)
    {
        var lastCount = _completed.Value;
        var lastTime = Stopwatch.GetTimestamp();
        var nextReport = TimeSpan.FromSeconds(1);
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(since);
            if (elapsed >= length)
            {
                return;
            }

            var wait = TimeSpan.FromMilliseconds(Math.Min(250, (length - elapsed).TotalMilliseconds));
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            sampler?.Sample();
            if (Stopwatch.GetElapsedTime(since) >= nextReport || Stopwatch.GetElapsedTime(since) >= length)
            {
                nextReport += TimeSpan.FromSeconds(1);
                var now = Stopwatch.GetTimestamp();
                var count = _completed.Value;
                var rate = (count - lastCount) / Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds;
                lastCount = count;
                lastTime = now;
                var line = $"[{service.Name}] {label} {Stopwatch.GetElapsedTime(since).TotalSeconds,5:0.0}/{length.TotalSeconds:0} s  {rate,12:N0} ops/s  rss {ProcessMemory.CurrentRssBytes() / (1024.0 * 1024):0.0} MB  errors {_errors.Value}";
                if (label == "measure")
                {
                    var merged = LatencySummary.FromCounts(LatencySummary.Add(_reads.Snapshot(), _writes.Snapshot()));
                    line += $"  p50 {merged.P50Ns / 1000.0:0.0} us  p99 {merged.P99Ns / 1000.0:0.0} us";
                }

                progress.WriteLine(line);
            }
        }
    }
}

/// <summary>What one timed window measured in this process.</summary>
/// <param name="ReadCounts">Latencies of the successful reads in the window.</param>
/// <param name="WriteCounts">Latencies of the successful writes in the window.</param>
/// <param name="Errors">Operations in the window that threw.</param>
/// <param name="WrongValues">Reads in the window that returned another key's value.</param>
/// <param name="FailuresOutsideWindow">Errors and wrong values in the warm-up or across the window's edges.</param>
internal sealed record RunMeasurement(
    TimeSpan Window,
    long[] ReadCounts,
    long[] WriteCounts,
    long Errors,
    long WrongValues,
    long FailuresOutsideWindow,
    string? FirstError,
    RuntimeSnapshot Runtime,
    long PeakSampledRssBytes,
    long MaxPendingWorkItems,
    int MaxThreadCount);
