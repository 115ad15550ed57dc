namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

internal static class Samples
{
    public static GenOrder Order() => new()
    {
        Id = 1001,
        Number = "SO-2026-000123",
        Customer = new GenCustomer("Grace Hopper", "grace@example.org", new GenAddress("1 Main St", "Arlington", null)),
        Lines =
        [
            new GenLine { Sku = "A-1", Quantity = 2, UnitPrice = 9.99m, Weight = 0.25, Discount = 0.1f },
            new GenLine { Sku = "B-2", Quantity = 1, UnitPrice = 1234.5m, Weight = 12 },
        ],
        Attributes = new() { ["gift"] = "yes" },
        Total = 1254.48m,
        CreatedAt = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
        ShippedAt = new DateTime(2026, 11, 2, 8, 30, 0, DateTimeKind.Utc),
        Status = Status.Shipped,
        TrackingId = Guid.Parse("01234567-89ab-cdef-0123-456789abcdef"),
        Window = TimeSpan.FromHours(2),
        Signature = [0xde, 0xad],
        Ratings = [5, 4],
    };
}
