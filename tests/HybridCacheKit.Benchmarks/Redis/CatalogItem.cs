namespace HybridCacheKit.Benchmarks.Redis;

/// <summary>A typical mutable DTO of about 1 KB as JSON (checked in setup), the value every Redis benchmark moves.</summary>
public sealed class CatalogItem
{
    public int Id { get; set; }

    public string Sku { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public decimal Price { get; set; }

    public string Currency { get; set; } = "";

    public int Stock { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<string> Tags { get; set; } = [];

    public Dictionary<string, string> Attributes { get; set; } = [];

    public static CatalogItem Sample(int id) => new()
    {
        Id = id,
        Sku = $"SKU-{id:D8}",
        Name = "Espresso machine, stainless steel, 15 bar, dual boiler",
        Description = string.Concat(Enumerable.Repeat("A dual-boiler espresso machine with PID temperature control, a rotary pump and a commercial 58 mm group. ", 5)),
        Price = 1249.90m,
        Currency = "EUR",
        Stock = 17,
        UpdatedAt = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
        Tags = ["kitchen", "coffee", "appliances", "bestseller", "espresso", "dual-boiler"],
        Attributes = new()
        {
            ["color"] = "brushed steel",
            ["voltage"] = "230 V",
            ["warranty"] = "3 years",
            ["weight"] = "23 kg",
            ["origin"] = "Italy",
        },
    };
}
