namespace HybridCacheKit.Demo;

/// <summary>The plain-text page served at <c>GET /</c>.</summary>
internal static class IndexPage
{
    public const string Text = """
        HybridCacheKit demo: a product API over a slow fake database (200 ms a query, setting Demo:DatabaseDelayMs),
        cached in L1 (in-process) and L2 (an in-memory IDistributedCache standing in for Redis; --Redis host:port uses Redis). Entries expire after
        30 s (Demo:CacheExpirationSeconds); fail-safe is on.

        GET    /products/{id}             one product, cached with tags product:{id} and products
                                          ("source": database, cache or stale cache (fail-safe); "databaseQueries" counts queries)
        GET    /products                  all products, cached with tag products (and each product:{id})
        POST   /products/{id}/price?value=N   change a price; [InvalidatesTags] evicts product:{id} and catalog
        GET    /catalog                   a whole cached response (.CacheResponse, tag catalog): ETag, Age, 304
        GET    /session                   a session counter (shared by every node in the load-balanced demo)
        DELETE /_cache/tags/{tag}         admin (header X-Admin-Key: <Demo:AdminKey>): invalidate a tag on every node
        DELETE /_cache/keys/{key}         admin: remove one key
        DELETE /_cache/all                admin: invalidate everything
        POST   /database/outage?down=true simulate a database outage (down=false ends it)
        GET    /stats                     hit/miss counters read from the cache's metrics
        GET    /health                    liveness

        Try:
          curl http://127.0.0.1:5080/products/1            # slow: source "database"
          curl http://127.0.0.1:5080/products/1            # fast: source "cache", same generatedAt
          curl -X POST 'http://127.0.0.1:5080/products/1/price?value=199.90'
          curl http://127.0.0.1:5080/products/1            # source "database", new price
          curl http://127.0.0.1:5080/products
          curl -i http://127.0.0.1:5080/catalog            # then again: Age header, same ETag
          curl -X DELETE -H 'X-Admin-Key: secret' http://127.0.0.1:5080/_cache/tags/products   # run with --Demo:AdminKey secret
          curl -X POST 'http://127.0.0.1:5080/database/outage?down=true'
          curl http://127.0.0.1:5080/products/1            # once the entry is 30 s old: the stale value (fail-safe), not an error
          curl http://127.0.0.1:5080/stats

        """;
}
