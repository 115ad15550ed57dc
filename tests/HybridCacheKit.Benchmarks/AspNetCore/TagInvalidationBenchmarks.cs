using System.Net;
using BenchmarkDotNet.Attributes;
using HybridCacheKit.AspNetCore;
using HybridCacheKit.Benchmarks.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.Benchmarks.AspNetCore;

/// <summary>
/// What [InvalidatesTags("products", "product:{id}")] adds to a successful PUT, through the real ASP.NET Core pipeline
/// on the in-memory TestServer (no sockets, so the rows differ only by the invalidation). Baseline: the same PUT to an
/// endpoint without the attribute. Then with the engine alone (L1: two local tag stamps), and with Redis (each tag's
/// record written to L2 and published on the backplane before the response starts: the read-your-writes price).
/// </summary>
[MemoryDiagnoser]
public class TagInvalidationBenchmarks
{
    private RedisBenchmarkServer _server = null!;
    private App _local = null!;
    private App _redis = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = RedisBenchmarkServer.Start();
        _local = App.Start(null);
        _redis = App.Start(_server.Configuration);

        // Every row measures what its name says: the plain PUT leaves a tagged entry alone, the others evict it.
        foreach (var app in new[] { _local, _redis })
        {
            RedisEngine.Check(!app.PutEvicts("/plain/42"), "a PUT without [InvalidatesTags] must not evict");
            RedisEngine.Check(app.PutEvicts("/products/42"), "a PUT with [InvalidatesTags] must evict product:42");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _local.Dispose();
        _redis.Dispose();
        _server.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<HttpStatusCode> PutWithoutInvalidation() => _local.PutAsync("/plain/42");

    [Benchmark]
    public Task<HttpStatusCode> PutInvalidatesTwoTags_EngineOnly() => _local.PutAsync("/products/42");

    [Benchmark]
    public Task<HttpStatusCode> PutInvalidatesTwoTags_Redis() => _redis.PutAsync("/products/42");

    private sealed class App : IDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private App(WebApplication app)
        {
            _app = app;
            _client = app.GetTestClient();
        }

        public static App Start(string? redis)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            var cache = builder.Services.AddHybridCacheKit();
            if (redis is not null)
            {
                cache.AddStackExchangeRedis(o =>
                {
                    o.Configuration = redis;
                    o.InstanceName = "bench-inv:";
                    o.OperationTimeout = TimeSpan.FromSeconds(10);
                });
            }

            builder.Services.AddDistributedResponseCache();
            var app = builder.Build();
            app.UseRouting();
            app.UseDistributedResponseCache();
            app.MapPut("/plain/{id}", (string id) => Results.NoContent());
            app.MapPut("/products/{id}", [InvalidatesTags("products", "product:{id}")] (string id) => Results.NoContent());
            app.StartAsync().GetAwaiter().GetResult();
            if (redis is not null)
            {
                var backplane = app.Services.GetRequiredService<HybridCacheKit.Distributed.IHybridCacheBackplane>();
                var deadline = DateTime.UtcNow.AddSeconds(15);
                while (!backplane.IsConnected)
                {
                    RedisEngine.Check(DateTime.UtcNow < deadline, "the backplane did not connect within 15 s");
                    Thread.Sleep(20);
                }
            }

            return new App(app);
        }

        public async Task<HttpStatusCode> PutAsync(string path)
        {
            using var response = await _client.PutAsync(path, null).ConfigureAwait(false);
            return response.StatusCode;
        }

        public bool PutEvicts(string path)
        {
            var cache = _app.Services.GetRequiredService<HybridCache>();
            var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) };
            var runs = 0;
            ValueTask<int> Read() => cache.GetOrCreateAsync("bench:p42", _ => ValueTask.FromResult(++runs), options, ["product:42"]);
            Read().AsTask().GetAwaiter().GetResult();
            Read().AsTask().GetAwaiter().GetResult();
            RedisEngine.Check(runs == 1, "the probe entry must be cached");
            RedisEngine.Check(PutAsync(path).GetAwaiter().GetResult() == HttpStatusCode.NoContent, "the PUT must succeed");
            Read().AsTask().GetAwaiter().GetResult();
            var evicted = runs == 2;
            cache.RemoveAsync("bench:p42").AsTask().GetAwaiter().GetResult();
            return evicted;
        }

        public void Dispose()
        {
            _client.Dispose();
            _app.StopAsync().GetAwaiter().GetResult();
            ((IDisposable)_app).Dispose();
        }
    }
}
