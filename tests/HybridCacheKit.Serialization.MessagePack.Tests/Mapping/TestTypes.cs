namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

public enum Status : byte
{
    Pending = 1,
    Shipped = 2,
}

public enum Big : long
{
    Huge = long.MaxValue,
}

/// <summary>Every primitive the mapping supports; no attribute, so the reflection fallback handles it.</summary>
public sealed class AllPrimitives
{
    public bool Flag { get; set; }

    public byte B { get; set; }

    public sbyte Sb { get; set; }

    public short S { get; set; }

    public ushort Us { get; set; }

    public int I { get; set; }

    public uint Ui { get; set; }

    public long L { get; set; }

    public ulong Ul { get; set; }

    public float F { get; set; }

    public double D { get; set; }

    public char C { get; set; }

    public string? Text { get; set; }

    public byte[]? Bytes { get; set; }

    public decimal Money { get; set; }

    public Guid Id { get; set; }

    public DateTime When { get; set; }

    public DateTimeOffset At { get; set; }

    public TimeSpan Duration { get; set; }

    public Status Status { get; set; }

    public Big Big { get; set; }

    public int? MaybeInt { get; set; }

    public DateTime? MaybeWhen { get; set; }
}

public sealed record PersonRecord(string Name, int Age, IReadOnlyList<string> Emails);

public readonly record struct PointStruct(int X, int Y);

public struct MutableStruct
{
    public int A;
    public string? B;
}

public sealed class InitOnly
{
    public required string Name { get; init; }

    public int Count { get; init; }

    public List<string> Tags { get; set; } = ["default"];
}

public sealed class Collections
{
    public int[]? Array { get; set; }

    public List<string>? List { get; set; }

    public IEnumerable<int>? Enumerable { get; set; }

    public ICollection<int>? Collection { get; set; }

    public IList<int>? ListInterface { get; set; }

    public IReadOnlyCollection<int>? ReadOnlyCollection { get; set; }

    public IReadOnlyList<PointStruct>? ReadOnlyList { get; set; }

    public Dictionary<string, int>? Dictionary { get; set; }

    public IDictionary<int, string>? DictionaryInterface { get; set; }

    public IReadOnlyDictionary<string, PersonRecord>? ReadOnlyDictionary { get; set; }

    public HashSet<Guid>? Set { get; set; }

    public List<int?>? Nullables { get; set; }
}

public sealed class TreeNode
{
    public string Name { get; set; } = "";

    public List<TreeNode> Children { get; set; } = [];
}

public class BaseEntity
{
    public int Id { get; set; }
}

public sealed class DerivedEntity : BaseEntity
{
    public string Title { get; set; } = "";

    [MessagePackIgnore]
    public string Secret { get; set; } = "";

    [MessagePackPropertyName("display_name")]
    public string DisplayName { get; set; } = "";

    public string Computed => Title + "!";
}

[MessagePackArrayLayout]
public sealed class CompactReflected
{
    [MessagePackKey(0)]
    public int Id { get; set; }

    [MessagePackKey(2)]
    public string? Name { get; set; }

    public string NotWritten { get; set; } = "kept";
}

/// <summary>A newer version of <see cref="SmallV1"/>: one more member, so old payloads miss it and new ones carry an unknown key for V1.</summary>
public sealed class SmallV2
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public string Added { get; set; } = "default";
}

public sealed class SmallV1
{
    public int Id { get; set; }

    public string Name { get; set; } = "";
}

public sealed class Cyclic
{
    public Cyclic? Next { get; set; }
}

/// <summary>Its constructor validates, as domain types do.</summary>
public sealed class Validated
{
    public Validated(int quantity) => Quantity = quantity >= 0 ? quantity : throw new ArgumentOutOfRangeException(nameof(quantity), quantity, "must not be negative");

    public int Quantity { get; }
}

/// <summary>The reflected twin of <see cref="GenWithDefaults"/>.</summary>
public sealed record WithDefaults(
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
