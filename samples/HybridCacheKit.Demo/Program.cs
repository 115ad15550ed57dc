using HybridCacheKit;
using HybridCacheKit.AspNetCore;
using HybridCacheKit.Demo;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Hybrid;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // Default address; --urls (or ASPNETCORE_URLS) overrides it.
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

var nodeName = builder.Configuration["Demo:NodeName"] ?? Environment.MachineName;
var expiration = TimeSpan.FromSeconds(builder.Configuration.GetValue("Demo:CacheExpirationSeconds", 30.0));
var cache = builder.Services.AddHybridCacheKit(options =>
{
    options.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = expiration };
    // Fail-safe: if the database fails after an entry expired, keep serving the last good value for up to 10 minutes,
    // and only retry the database every 10 seconds meanwhile.
    options.EnableFailSafe = true;
    options.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
    options.FailSafeThrottleDuration = TimeSpan.FromSeconds(10);
});

var redis = builder.Configuration["Redis"];
if (string.IsNullOrEmpty(redis))
{
    // One node: L2 is an in-process IDistributedCache standing in for Redis, and the session lives in this process.
    builder.Services.AddDistributedMemoryCache();
    builder.Services.AddSession(options => options.Cookie.HttpOnly = true);
}
else
{
    // Several nodes (samples/run-load-balanced.sh): Redis is L2 for every node, the backplane keeps their L1 copies
    // coherent, the Data Protection key ring lives in Redis, and sessions are shared. Plain HTTP on loopback here, so
    // the session cookie is Secure only when the request is.
    cache.AddStackExchangeRedis(options =>
        {
            options.Configuration = redis;
            options.InstanceName = "demo:";
        })
        .AddRedisDataProtection("HybridCacheKit.Demo")
        .AddSessionSharing(options => options.CookieSecurePolicy = CookieSecurePolicy.SameAsRequest);
}

// [Cached]-style responses and [InvalidatesTags], through the same engine.
builder.Services.AddDistributedResponseCache();

// The admin endpoints (/_cache) need an authorised caller: here, a request carrying the X-Admin-Key header.
var adminKey = builder.Configuration["Demo:AdminKey"];
builder.Services.AddAuthentication(AdminKeyAuthentication.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, _ => { });
builder.Services.AddAuthorization(options => options.AddPolicy("cache-admin", policy =>
    policy.AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName).RequireAuthenticatedUser()));

builder.Services.AddSingleton<ProductDatabase>();
builder.Services.AddSingleton<CacheStats>();

var app = builder.Build();
app.Services.GetRequiredService<CacheStats>(); // start counting from the first request
if (string.IsNullOrEmpty(adminKey))
{
    Console.WriteLine("Demo:AdminKey is not set: the /_cache admin endpoints answer 401 to everyone.");
}

app.UseAuthentication();
app.UseAuthorization();
app.UseSession();
app.UseDistributedResponseCache();

app.MapGet("/", () => IndexPage.Text);

app.MapGet("/products/{id:int}", async (int id, HybridCache cache, ProductDatabase db, TimeProvider clock, CancellationToken ct) =>
{
    var factoryRan = false;
    CachedProduct? cached;
    try
    {
        // The factory runs only on a miss, and only once for concurrent requests of the same key.
        cached = await cache.GetOrCreateAsync<CachedProduct?>(
            $"product:{id}",
            async (context, token) =>
            {
                var product = await db.GetProductAsync(id, token);
                factoryRan = true;
                if (product is null)
                {
                    context.DoNotCache(); // don't remember "not found": the product may be created later
                    return null;
                }

                return new CachedProduct(product, clock.GetUtcNow());
            },
            tags: [$"product:{id}", "products"],
            cancellationToken: ct);
    }
    catch (DatabaseUnavailableException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    return cached is null
        ? Results.NotFound(new { error = $"No product {id}.", databaseQueries = db.QueryCount })
        : Results.Ok(new
        {
            product = cached.Product,
            generatedAt = cached.GeneratedAt,
            source = Source(factoryRan, cached.GeneratedAt),
            databaseQueries = db.QueryCount,
        });
});

app.MapGet("/products", async (HybridCache cache, ProductDatabase db, TimeProvider clock, CancellationToken ct) =>
{
    var factoryRan = false;
    CachedProductList list;
    try
    {
        list = await cache.GetOrCreateAsync(
            "products:all",
            async (context, token) =>
            {
                var products = await db.GetAllProductsAsync(token);
                factoryRan = true;
                // Tag the list with every product it contains: changing one product then invalidates the list too.
                foreach (var product in products)
                {
                    context.Tags.Add($"product:{product.Id}");
                }

                return new CachedProductList(products, clock.GetUtcNow());
            },
            tags: ["products"],
            cancellationToken: ct);
    }
    catch (DatabaseUnavailableException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    return Results.Ok(new
    {
        products = list.Products,
        generatedAt = list.GeneratedAt,
        source = Source(factoryRan, list.GeneratedAt),
        databaseQueries = db.QueryCount,
    });
});

app.MapPost("/products/{id:int}/price", (int id, decimal value, ProductDatabase db) =>
{
    if (value <= 0)
    {
        return Results.BadRequest(new { error = "The price must be positive." });
    }

    if (!db.UpdatePrice(id, value))
    {
        return Results.NotFound(new { error = $"No product {id}." });
    }

    // After this 2xx response, [InvalidatesTags] evicts everything tagged with this product (the product, the product
    // list) and the cached catalog response, on every node — before the response is sent, so the next read is fresh.
    return Results.Ok(new { id, price = value, invalidatedTags = new[] { $"product:{id}", "catalog" } });
}).InvalidatesTags("product:{id}", "catalog");

// A whole response cached by the response cache: status, headers and body, with an ETag; shared by every node.
app.MapGet("/catalog", async (ProductDatabase db, TimeProvider clock, CancellationToken ct) =>
{
    var products = await db.GetAllProductsAsync(ct);
    return Results.Ok(new { products, generatedAt = clock.GetUtcNow(), generatedBy = nodeName });
}).CacheResponse(policy => policy.Duration(expiration).Tags("catalog"));

// A session counter: through the round-robin front it keeps counting although the nodes alternate.
app.MapGet("/session", async (HttpContext context) =>
{
    await context.Session.LoadAsync(context.RequestAborted);
    var visits = (context.Session.GetInt32("visits") ?? 0) + 1;
    context.Session.SetInt32("visits", visits);
    return Results.Ok(new { visits, servedBy = nodeName });
});

// Evict by tag or key on every node: DELETE /_cache/tags/{tag}, DELETE /_cache/keys/{key}, DELETE /_cache/all.
app.MapCacheInvalidation("/_cache", options =>
{
    options.AuthorizationPolicy = "cache-admin";
    options.AllowClearAll = true;
});

app.MapPost("/database/outage", (bool down, ProductDatabase db) =>
{
    db.IsDown = down;
    return Results.Ok(new { databaseDown = db.IsDown });
});

app.MapGet("/stats", (CacheStats stats, ProductDatabase db) => Results.Ok(new { cache = stats.Snapshot(), databaseQueries = db.QueryCount }));

app.MapGet("/health", () => "ok");
app.MapGet("/node", () => Results.Ok(new { node = nodeName }));

app.Run();

// Where a response's data came from. Only fail-safe serves data older than the expiration.
string Source(bool factoryRan, DateTimeOffset generatedAt)
    => factoryRan ? "database"
        : app.Services.GetRequiredService<TimeProvider>().GetUtcNow() - generatedAt > expiration ? "stale cache (fail-safe)"
        : "cache";

/// <summary>The entry point; public so that tests can start the app with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
