using HybridCacheKit;
using HybridCacheKit.Demo;
using Microsoft.Extensions.Caching.Hybrid;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // Default address; --urls (or ASPNETCORE_URLS) overrides it.
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

// L2: an in-process IDistributedCache. In production this would be Redis or another shared store; the engine uses
// whichever IDistributedCache is registered.
builder.Services.AddDistributedMemoryCache();
var expiration = TimeSpan.FromSeconds(builder.Configuration.GetValue("Demo:CacheExpirationSeconds", 30.0));
builder.Services.AddHybridCacheKit(options =>
{
    options.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = expiration };
    // Fail-safe: if the database fails after an entry expired, keep serving the last good value for up to 10 minutes,
    // and only retry the database every 10 seconds meanwhile.
    options.EnableFailSafe = true;
    options.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
    options.FailSafeThrottleDuration = TimeSpan.FromSeconds(10);
});
builder.Services.AddSingleton<ProductDatabase>();
builder.Services.AddSingleton<CacheStats>();

var app = builder.Build();
app.Services.GetRequiredService<CacheStats>(); // start counting from the first request

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

app.MapPost("/products/{id:int}/price", async (int id, decimal value, HybridCache cache, ProductDatabase db, CancellationToken ct) =>
{
    if (value <= 0)
    {
        return Results.BadRequest(new { error = "The price must be positive." });
    }

    if (!db.UpdatePrice(id, value))
    {
        return Results.NotFound(new { error = $"No product {id}." });
    }

    // Everything tagged with this product (the product itself and the list) is a miss from now on.
    await cache.RemoveByTagAsync($"product:{id}", ct);
    return Results.Ok(new { id, price = value, invalidatedTag = $"product:{id}" });
});

app.MapDelete("/cache/tags/{tag}", async (string tag, HybridCache cache, CancellationToken ct) =>
{
    await cache.RemoveByTagAsync(tag, ct);
    return Results.Ok(new { invalidatedTag = tag });
});

app.MapDelete("/cache", async (HybridCache cache, CancellationToken ct) =>
{
    await cache.RemoveByTagAsync("*", ct); // "*" means every entry
    return Results.Ok(new { invalidatedTag = "*" });
});

app.MapPost("/database/outage", (bool down, ProductDatabase db) =>
{
    db.IsDown = down;
    return Results.Ok(new { databaseDown = db.IsDown });
});

app.MapGet("/stats", (CacheStats stats, ProductDatabase db) => Results.Ok(new { cache = stats.Snapshot(), databaseQueries = db.QueryCount }));

app.MapGet("/health", () => "ok");

app.Run();

// Where a response's data came from. Only fail-safe serves data older than the expiration.
string Source(bool factoryRan, DateTimeOffset generatedAt)
    => factoryRan ? "database"
        : app.Services.GetRequiredService<TimeProvider>().GetUtcNow() - generatedAt > expiration ? "stale cache (fail-safe)"
        : "cache";

/// <summary>The entry point; public so that tests can start the app with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
