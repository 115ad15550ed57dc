using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.Benchmarks;

/// <summary>
/// <c>SetAsync</c> while other keys' runs are in progress, as under load (the load test has hundreds at any moment).
/// A change must supersede the runs of its own key; this shows what finding them costs as the number of runs grows.
/// L2 is an in-process <c>MemoryDistributedCache</c>, so the rows measure the engine's own work.
/// </summary>
[MemoryDiagnoser]
public class SetDuringRunsBenchmarks
{
    private readonly ProductDetails _details = ProductDetails.Sample();
    private readonly TaskCompletionSource<ProductDetails> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task<ProductDetails>> _runs = [];
    private ServiceProvider _services = null!;
    private HybridCache _cache = null!;

    /// <summary>Runs of other keys in progress (their factories wait on a gate until cleanup).</summary>
    [Params(0, 512)]
    public int RunsInProgress { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddHybridCacheKit();
        _services = services.BuildServiceProvider();
        _cache = _services.GetRequiredService<HybridCache>();
        for (var i = 0; i < RunsInProgress; i++)
        {
            _runs.Add(_cache.GetOrCreateAsync("running:" + i, _gate, static (gate, _) => new ValueTask<ProductDetails>(gate.Task)).AsTask());
        }

        if (_runs.Any(r => r.IsCompleted))
        {
            throw new InvalidOperationException("A run meant to stay in progress has completed.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gate.TrySetResult(_details);
        Task.WaitAll([.. _runs], TimeSpan.FromSeconds(30));
        _services.Dispose();
    }

    /// <summary>One write of a 5-property DTO: serialize, L1 set, envelope, L2 set, and the search for runs of the key.</summary>
    [Benchmark]
    public async ValueTask SetAsync()
    {
        var pending = _cache.SetAsync("product:42:details", _details);
        if (!pending.IsCompletedSuccessfully)
        {
            await pending.ConfigureAwait(false);
        }
    }
}
