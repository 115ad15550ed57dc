using System.Net;
using HybridCacheKit.AspNetCore;

// The wrk comparison app (bench/wrk-aspnetcore.sh): one Kestrel process on loopback, logging off, every endpoint
// returning the same 12-byte text body so only the caching layers differ.
//   /hello   no caching (the baseline): a minimal-API string result, as most apps write it (chunked)
//   /hello-bytes  no caching, the body written as prebuilt bytes with Content-Length (the cheapest uncached response)
//   /oc      ASP.NET Core output caching, in-memory store
//   /cached  [Cached]: HybridCacheKit's response cache, served from L1 after the first request
//   /oc-hck  output caching over HybridCacheKit's IOutputCacheStore (see the marked spots below)
var port = int.Parse(Environment.GetEnvironmentVariable("BENCH_PORT") ?? "5099", System.Globalization.CultureInfo.InvariantCulture);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
builder.Services.AddOutputCache();
builder.Services.AddHybridCacheKit();
builder.Services.AddDistributedResponseCache();

// ==== /oc-hck (services): register HybridCacheKit's IOutputCacheStore here, after AddOutputCache(). ====

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

// ==== /oc-hck (endpoint): the same output-caching endpoint served through HybridCacheKit's store, e.g.
// app.MapGet("/oc-hck", () => Body).CacheOutput(...);  The script measures /oc-hck only when it answers 200. ====

app.Run();
