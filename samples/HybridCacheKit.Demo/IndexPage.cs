namespace HybridCacheKit.Demo;

/// <summary>The plain-text page served at <c>GET /</c>.</summary>
internal static class IndexPage
{
    public const string Text = """
        HybridCacheKit demo: a product API over a slow fake database (200 ms a query, setting Demo:DatabaseDelayMs),
        cached in L1 (in-process) and L2 (an in-memory IDistributedCache standing in for Redis). Entries expire after
        30 s (Demo:CacheExpirationSeconds); fail-safe is on.

        GET    /products/{id}             one product, cached with tags product:{id} and products
                                          ("source": database, cache or stale cache (fail-safe); "databaseQueries" counts queries)
        GET    /products                  all products, cached with tag products (and each product:{id})
        POST   /products/{id}/price?value=N   change a price, then invalidate tag product:{id}
        DELETE /cache/tags/{tag}          invalidate every entry with that tag
        DELETE /cache                     invalidate everything (tag "*")
        POST   /database/outage?down=true simulate a database outage (down=false ends it)
        GET    /stats                     hit/miss counters read from the cache's metrics
        GET    /health                    liveness

        Try:
          curl http://127.0.0.1:5080/products/1            # slow: source "database"
          curl http://127.0.0.1:5080/products/1            # fast: source "cache", same generatedAt
          curl -X POST 'http://127.0.0.1:5080/products/1/price?value=199.90'
          curl http://127.0.0.1:5080/products/1            # source "database", new price
          curl http://127.0.0.1:5080/products
          curl -X DELETE http://127.0.0.1:5080/cache/tags/products
          curl -X DELETE http://127.0.0.1:5080/cache
          curl -X POST 'http://127.0.0.1:5080/database/outage?down=true'
          curl http://127.0.0.1:5080/products/1            # once the entry is 30 s old: the stale value (fail-safe), not an error
          curl http://127.0.0.1:5080/stats

        """;
}
