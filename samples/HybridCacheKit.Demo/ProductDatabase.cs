using System.Collections.Concurrent;
using System.ComponentModel;

namespace HybridCacheKit.Demo;

/// <summary>A product as the "database" stores it.</summary>
public sealed record Product(int Id, string Name, decimal Price);

/// <summary>
/// A stand-in for a slow database: every query waits <c>Demo:DatabaseDelayMs</c> (200 ms by default) and is counted,
/// so the responses show when the cache saved a query. <see cref="IsDown"/> simulates an outage.
/// </summary>
public sealed class ProductDatabase(IConfiguration configuration)
{
    private readonly ConcurrentDictionary<int, Product> _products = new(new Dictionary<int, Product>
    {
        [1] = new(1, "Espresso machine", 249.90m),
        [2] = new(2, "Coffee grinder", 89.00m),
        [3] = new(3, "Milk frother", 39.50m),
        [4] = new(4, "Pour-over kettle", 54.00m),
        [5] = new(5, "Coffee beans, 1 kg", 24.90m),
    });

    private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(configuration.GetValue("Demo:DatabaseDelayMs", 200));
    private int _queryCount;

    /// <summary>How many queries reached the database so far.</summary>
    public int QueryCount => Volatile.Read(ref _queryCount);

    /// <summary>While true, every query throws <see cref="DatabaseUnavailableException"/>.</summary>
    public bool IsDown { get; set; }

    public async Task<Product?> GetProductAsync(int id, CancellationToken cancellationToken)
    {
        await QueryAsync(cancellationToken);
        return _products.GetValueOrDefault(id);
    }

    public async Task<IReadOnlyList<Product>> GetAllProductsAsync(CancellationToken cancellationToken)
    {
        await QueryAsync(cancellationToken);
        return [.. _products.Values.OrderBy(p => p.Id)];
    }

    /// <summary>Changes a price (instantly: writes are not what this demo is about). False when the product does not exist.</summary>
    public bool UpdatePrice(int id, decimal price)
    {
        while (_products.TryGetValue(id, out var current))
        {
            if (_products.TryUpdate(id, current with { Price = price }, current))
            {
                return true;
            }
        }

        return false;
    }

    private async Task QueryAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queryCount);
        await Task.Delay(_delay, cancellationToken);
        if (IsDown)
        {
            throw new DatabaseUnavailableException();
        }
    }
}

/// <summary>Thrown by <see cref="ProductDatabase"/> during a simulated outage.</summary>
public sealed class DatabaseUnavailableException() : Exception("The product database is unavailable (simulated outage).");

// What the endpoints cache: the data plus when it was read from the database. Sealed and [ImmutableObject(true)], so
// the in-process tier hands out the same instance on every hit instead of deserializing a copy.

/// <summary>One product as cached.</summary>
[ImmutableObject(true)]
public sealed record CachedProduct(Product Product, DateTimeOffset GeneratedAt);

/// <summary>The product list as cached.</summary>
[ImmutableObject(true)]
public sealed record CachedProductList(IReadOnlyList<Product> Products, DateTimeOffset GeneratedAt);
