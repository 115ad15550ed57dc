using HybridCacheKit.Serialization.MessagePack;

namespace HybridCacheKit.Benchmarks.Serialization;

// The same order with [MessagePackArrayLayout]: members by index instead of by name. Not the default (peers see
// lists), measured beside it to show what the member names cost.
[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class CompactOrder
{
    [MessagePackKey(0)] public long Id { get; set; }
    [MessagePackKey(1)] public string Number { get; set; } = "";
    [MessagePackKey(2)] public string Status { get; set; } = "";
    [MessagePackKey(3)] public DateTimeOffset CreatedAt { get; set; }
    [MessagePackKey(4)] public DateTimeOffset? ShippedAt { get; set; }
    [MessagePackKey(5)] public string Currency { get; set; } = "";
    [MessagePackKey(6)] public decimal Subtotal { get; set; }
    [MessagePackKey(7)] public decimal Tax { get; set; }
    [MessagePackKey(8)] public decimal Total { get; set; }
    [MessagePackKey(9)] public CompactCustomer Customer { get; set; } = new();
    [MessagePackKey(10)] public CompactAddress BillingAddress { get; set; } = new();
    [MessagePackKey(11)] public CompactAddress ShippingAddress { get; set; } = new();
    [MessagePackKey(12)] public List<CompactLine> Items { get; set; } = [];
    [MessagePackKey(13)] public List<string> Tags { get; set; } = [];

    public static CompactOrder From(OrderResponse o) => new()
    {
        Id = o.Id, Number = o.Number, Status = o.Status, CreatedAt = o.CreatedAt, ShippedAt = o.ShippedAt, Currency = o.Currency,
        Subtotal = o.Subtotal, Tax = o.Tax, Total = o.Total,
        Customer = new CompactCustomer { Id = o.Customer.Id, Name = o.Customer.Name, Email = o.Customer.Email, IsVip = o.Customer.IsVip },
        BillingAddress = CompactAddress.From(o.BillingAddress),
        ShippingAddress = CompactAddress.From(o.ShippingAddress),
        Items = o.Items.ConvertAll(i => new CompactLine
        {
            LineNumber = i.LineNumber, Sku = i.Sku, Description = i.Description, Quantity = i.Quantity, UnitPrice = i.UnitPrice,
            Discount = i.Discount, LineTotal = i.LineTotal, Backordered = i.Backordered,
        }),
        Tags = [.. o.Tags],
    };
}

[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class CompactCustomer
{
    [MessagePackKey(0)] public long Id { get; set; }
    [MessagePackKey(1)] public string Name { get; set; } = "";
    [MessagePackKey(2)] public string Email { get; set; } = "";
    [MessagePackKey(3)] public bool IsVip { get; set; }
}

[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class CompactAddress
{
    [MessagePackKey(0)] public string Line1 { get; set; } = "";
    [MessagePackKey(1)] public string? Line2 { get; set; }
    [MessagePackKey(2)] public string City { get; set; } = "";
    [MessagePackKey(3)] public string PostalCode { get; set; } = "";
    [MessagePackKey(4)] public string Country { get; set; } = "";

    public static CompactAddress From(PostalAddress a) => new() { Line1 = a.Line1, Line2 = a.Line2, City = a.City, PostalCode = a.PostalCode, Country = a.Country };
}

[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class CompactLine
{
    [MessagePackKey(0)] public int LineNumber { get; set; }
    [MessagePackKey(1)] public string Sku { get; set; } = "";
    [MessagePackKey(2)] public string Description { get; set; } = "";
    [MessagePackKey(3)] public int Quantity { get; set; }
    [MessagePackKey(4)] public decimal UnitPrice { get; set; }
    [MessagePackKey(5)] public decimal Discount { get; set; }
    [MessagePackKey(6)] public decimal LineTotal { get; set; }
    [MessagePackKey(7)] public bool Backordered { get; set; }
}
