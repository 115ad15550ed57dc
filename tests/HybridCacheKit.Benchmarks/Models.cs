using System.ComponentModel;

namespace HybridCacheKit.Benchmarks;

/// <summary>Sealed and marked immutable, so L1 keeps and returns the instance itself.</summary>
[ImmutableObject(true)]
public sealed record ProductSummary(int Id, string Name, decimal Price);

/// <summary>A typical mutable DTO: L1 keeps its JSON bytes and deserializes a new instance on every hit.</summary>
public sealed class ProductDetails
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public decimal Price { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<string> Tags { get; set; } = [];

    public static ProductDetails Sample() => new()
    {
        Id = 42,
        Name = "Espresso machine, stainless steel, 15 bar",
        Price = 249.90m,
        UpdatedAt = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
        Tags = ["kitchen", "coffee", "appliances", "bestseller"],
    };
}
