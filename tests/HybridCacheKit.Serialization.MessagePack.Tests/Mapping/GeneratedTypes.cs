namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

// Types the source generator handles. Each mirrors a shape above so generated and reflection output can be compared.
[GenerateMessagePack]
public sealed class GenOrder
{
    public int Id { get; set; }

    public string Number { get; set; } = "";

    public GenCustomer? Customer { get; set; }

    public List<GenLine> Lines { get; set; } = [];

    public Dictionary<string, string>? Attributes { get; set; }

    public decimal Total { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTime? ShippedAt { get; set; }

    public Status Status { get; set; }

    public Guid TrackingId { get; set; }

    public TimeSpan Window { get; set; }

    public byte[]? Signature { get; set; }

    public IReadOnlyList<int>? Ratings { get; set; }

    [MessagePackIgnore]
    public string Ignored { get; set; } = "";
}

[GenerateMessagePack]
public sealed record GenCustomer(string Name, string Email, GenAddress? Address);

[GenerateMessagePack]
public readonly record struct GenAddress(string Street, string City, string? Zip);

[GenerateMessagePack]
public sealed class GenLine
{
    public required string Sku { get; init; }

    public int Quantity { get; init; }

    public decimal UnitPrice { get; set; }

    public double Weight;

    public float? Discount { get; set; }
}

[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class GenCompact
{
    [MessagePackKey(0)]
    public int Id { get; set; }

    [MessagePackKey(2)]
    public string? Name { get; set; }

    [MessagePackKey(3)]
    public List<long>? Values { get; set; }

    public string NotWritten { get; set; } = "kept";
}

[GenerateMessagePack]
public sealed class GenTree
{
    public string Name { get; set; } = "";

    public List<GenTree> Children { get; set; } = [];
}

[GenerateMessagePack]
public sealed class GenNamed
{
    [MessagePackPropertyName("user_id")]
    public long UserId { get; set; }

    [MessagePackPropertyName("ключ")]
    public string? Unicode { get; set; }
}

[GenerateMessagePack]
public struct GenMutableStruct
{
    public int A;
    public string? B;
}

/// <summary>A marked generic definition: formatters exist for the closed types the assembly names (GeneratedGenerics.cs).</summary>
[GenerateMessagePack]
public sealed class GenPage<T>
{
    public List<T> Items { get; set; } = [];

    public int Total { get; set; }

    public T? First { get; set; }
}

/// <summary>A generic positional record: constructed through its constructor.</summary>
[GenerateMessagePack]
public sealed record GenPair<TFirst, TSecond>(TFirst First, TSecond Second);

/// <summary>A marked type with a member of a closed generic type.</summary>
[GenerateMessagePack]
public sealed class GenCatalog
{
    public string Name { get; set; } = "";

    public GenPage<GenCustomer> Customers { get; set; } = new();
}

/// <summary>A positional record with constructor defaults of every literal kind (its reflected twin is <see cref="WithDefaults"/>).</summary>
[GenerateMessagePack]
public sealed record GenWithDefaults(
    int A,
    int B = 5,
    string C = "x \"q\"\n",
    Status S = Status.Shipped,
    decimal D = 1.25m,
    double E = double.NaN,
    float F = -0.5f,
    long L = long.MinValue,
    int? N = 3,
    char Ch = 'q',
    string? Z = null,
    Guid G = default,
    Big Huge = Big.Huge,
    ulong U = ulong.MaxValue,
    bool Flag = true);

/// <summary>Array layout: the parameter whose member has no key gets its default, not default(T).</summary>
[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class GenCompactWithDefaults(int id, string label = "none")
{
    [MessagePackKey(0)]
    public int Id { get; } = id;

    public string Label { get; } = label;
}
