using System.Text.Json.Serialization;
using HybridCacheKit.Serialization.MessagePack;

namespace HybridCacheKit.Benchmarks.Serialization;

/// <summary>A typical API response: an order with its customer, two addresses and line items.</summary>
[GenerateMessagePack]
public sealed class OrderResponse
{
    public long Id { get; set; }

    public string Number { get; set; } = "";

    public string Status { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ShippedAt { get; set; }

    public string Currency { get; set; } = "";

    public decimal Subtotal { get; set; }

    public decimal Tax { get; set; }

    public decimal Total { get; set; }

    public CustomerInfo Customer { get; set; } = new();

    public PostalAddress BillingAddress { get; set; } = new();

    public PostalAddress ShippingAddress { get; set; } = new();

    public List<LineItem> Items { get; set; } = [];

    public List<string> Tags { get; set; } = [];
}

[GenerateMessagePack]
public sealed class CustomerInfo
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public string Email { get; set; } = "";

    public bool IsVip { get; set; }
}

[GenerateMessagePack]
public sealed class PostalAddress
{
    public string Line1 { get; set; } = "";

    public string? Line2 { get; set; }

    public string City { get; set; } = "";

    public string PostalCode { get; set; } = "";

    public string Country { get; set; } = "";
}

[GenerateMessagePack]
public sealed class LineItem
{
    public int LineNumber { get; set; }

    public string Sku { get; set; } = "";

    public string Description { get; set; } = "";

    public int Quantity { get; set; }

    public decimal UnitPrice { get; set; }

    public decimal Discount { get; set; }

    public decimal LineTotal { get; set; }

    public bool Backordered { get; set; }
}

/// <summary>A small cached value: five fields.</summary>
[GenerateMessagePack]
public sealed class SmallItem
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public decimal Price { get; set; }

    public bool InStock { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

[JsonSerializable(typeof(OrderResponse))]
[JsonSerializable(typeof(SmallItem))]
internal sealed partial class SerializerBenchmarkJsonContext : JsonSerializerContext
{
}

internal static class SerializerSamples
{
    public static OrderResponse Order()
    {
        var created = new DateTimeOffset(2026, 11, 1, 9, 30, 15, 250, TimeSpan.Zero);
        var items = new List<LineItem>();
        for (var i = 1; i <= 25; i++)
        {
            var price = 3.49m + (i * 7.25m);
            var quantity = 1 + (i % 4);
            var discount = i % 5 == 0 ? 2.50m : 0m;
            items.Add(new LineItem
            {
                LineNumber = i,
                Sku = $"SKU-{100000 + (i * 37)}",
                Description = $"Stainless steel widget, model {i}, pack of {quantity}",
                Quantity = quantity,
                UnitPrice = price,
                Discount = discount,
                LineTotal = (price * quantity) - discount,
                Backordered = i % 7 == 0,
            });
        }

        var subtotal = items.Sum(i => i.LineTotal);
        return new OrderResponse
        {
            Id = 9_000_000_123,
            Number = "SO-2026-11-000123",
            Status = "Shipped",
            CreatedAt = created,
            ShippedAt = created.AddHours(20),
            Currency = "EUR",
            Subtotal = subtotal,
            Tax = Math.Round(subtotal * 0.2m, 2),
            Total = subtotal + Math.Round(subtotal * 0.2m, 2),
            Customer = new CustomerInfo { Id = 424242, Name = "Grace Hopper", Email = "grace.hopper@example.org", IsVip = true },
            BillingAddress = new PostalAddress { Line1 = "1 Main Street", Line2 = "Suite 400", City = "Arlington", PostalCode = "22201", Country = "US" },
            ShippingAddress = new PostalAddress { Line1 = "221B Baker Street", City = "London", PostalCode = "NW1 6XE", Country = "GB" },
            Items = items,
            Tags = ["priority", "gift-wrap", "b2b"],
        };
    }

    public static SmallItem Small() => new()
    {
        Id = 42,
        Name = "Espresso machine",
        Price = 249.90m,
        InStock = true,
        UpdatedAt = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
    };
}
