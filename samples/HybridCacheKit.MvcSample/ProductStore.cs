using System.Collections.Concurrent;

namespace HybridCacheKit.MvcSample;

/// <summary>A product in the sample's store.</summary>
public sealed record Product(int Id, string Name, decimal Price);

/// <summary>An in-memory product store that counts reads, so the sample (and its tests) can see cache hits.</summary>
public sealed class ProductStore
{
    private readonly ConcurrentDictionary<int, Product> _products = new(
        Enumerable.Range(1, 5).Select(i => KeyValuePair.Create(i, new Product(i, $"Product {i}", 10m * i))));

    private int _reads;

    /// <summary>How many times the store was read.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public IReadOnlyList<Product> All()
    {
        Interlocked.Increment(ref _reads);
        return [.. _products.Values.OrderBy(p => p.Id)];
    }

    public Product? Find(int id)
    {
        Interlocked.Increment(ref _reads);
        return _products.GetValueOrDefault(id);
    }

    public bool SetPrice(int id, decimal price)
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
}
