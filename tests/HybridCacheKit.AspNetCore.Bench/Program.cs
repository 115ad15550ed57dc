using System.Net;
using HybridCacheKit.AspNetCore;
using Microsoft.AspNetCore.OutputCaching;

// The wrk comparison app (bench/wrk-aspnetcore.sh): Kestrel on loopback, logging off, every endpoint returning the
// same 12-byte text body so only the caching layers differ.
//   /hello   no caching (the baseline): a minimal-API string result, as most apps write it (chunked)
//   /hello-bytes  no caching, the body written as prebuilt bytes with Content-Length (the cheapest uncached response)
//   /oc      ASP.NET Core output caching over the app's IOutputCacheStore (the framework's in-memory store by default)
//   /cached  [Cached]: HybridCacheKit's response cache, served from L1 after the first request
//   /oc-hck  only with BENCH_OUTPUT_CACHE_STORE=hybridcachekit: the same output-caching endpoint as /oc
//   /store   the type name of the IOutputCacheStore in use, so the script can check which store it is measuring
// An app has one IOutputCacheStore, so output caching over HybridCacheKit's store needs a second process: the script
// starts this app twice, once as is and once with BENCH_OUTPUT_CACHE_STORE=hybridcachekit (HybridCacheKit's store over
// the in-process engine only, no Redis; every other setting the same).
var port = int.Parse(Environment.GetEnvironmentVariable("BENCH_PORT") ?? "5099", System.Globalization.CultureInfo.InvariantCulture);
var store = Environment.GetEnvironmentVariable("BENCH_OUTPUT_CACHE_STORE") ?? "memory";
var hybridStore = store switch
{
    "memory" => false,
    "hybridcachekit" => true,
    _ => throw new InvalidOperationException($"BENCH_OUTPUT_CACHE_STORE must be 'memory' (the default) or 'hybridcachekit'; it is '{store}'."),
};

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
builder.Services.AddOutputCache();
builder.Services.AddHybridCacheKit();
builder.Services.AddDistributedResponseCache();
if (hybridStore)
{
    builder.Services.AddHybridCacheKitOutputCacheStore();
}

var app = builder.Build();
app.UseOutputCache();
app.UseDistributedResponseCache();

const string Body = "Hello World!";
var bodyBytes = System.Text.Encoding.UTF8.GetBytes(Body);
app.MapGet("/hello", () => Body);
app.MapGet("/hello-bytes", (HttpContext context) =>
{
    context.Response.ContentType = "text/plain; charset=utf-8";
    context.Response.ContentLength = bodyBytes.Length;
    return context.Response.Body.WriteAsync(bodyBytes).AsTask();
});
app.MapGet("/oc", () => Body).CacheOutput(p => p.Expire(TimeSpan.FromHours(1)));
app.MapGet("/cached", [Cached(Duration = 3600)] () => Body);
if (hybridStore)
{
    app.MapGet("/oc-hck", () => Body).CacheOutput(p => p.Expire(TimeSpan.FromHours(1)));
}

var storeName = app.Services.GetRequiredService<IOutputCacheStore>().GetType().Name;
app.MapGet("/store", () => storeName);

app.Run();
