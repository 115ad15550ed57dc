namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

// Types with get-only collection properties (populated on read). The plain ones go through the reflection fallback, the
// marked ones through generated formatters; tests also run the reflection path on the marked ones to compare the two.

/// <summary>The common shape: collections created by the type and filled by callers, with no setter.</summary>
public sealed class GetOnlyOrder
{
    public int Id { get; set; }

    public List<GetOnlyLine> Lines { get; } = new();

    public Dictionary<string, string> Meta { get; } = new();
}

public sealed class GetOnlyLine
{
    public string Sku { get; set; } = "";

    public int Quantity { get; set; }
}

/// <summary>The generated twin of <see cref="GetOnlyOrder"/>.</summary>
[GenerateMessagePack]
public sealed class GenGetOnlyOrder
{
    public int Id { get; set; }

    public List<GenGetOnlyLine> Lines { get; } = new();

    public Dictionary<string, string> Meta { get; } = new();
}

[GenerateMessagePack]
public sealed class GenGetOnlyLine
{
    public string Sku { get; set; } = "";

    public int Quantity { get; set; }
}

/// <summary>
/// Every shape a get-only property can be filled through, prefilled by the constructor; a renamed and an ignored one;
/// and get-only members that cannot be filled, which stay unwritten.
/// </summary>
[GenerateMessagePack]
public sealed class GenGetOnlyShapes
{
    public GenGetOnlyShapes()
    {
        List.Add(-1);
        Set.Add("ctor");
        Scores["ctor"] = -1;
        Collection.Add(-1);
        Lines.Add(new GenGetOnlyLine { Sku = "ctor" });
        Names[-1] = "ctor";
        Tags.Add("ctor");
    }

    public int Id { get; set; }

    public List<int> List { get; } = [];

    public HashSet<string> Set { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, int> Scores { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ICollection<long> Collection { get; } = new List<long>();

    public IList<GenGetOnlyLine> Lines { get; } = new List<GenGetOnlyLine>();

    public IDictionary<int, string?> Names { get; } = new Dictionary<int, string?>();

    [MessagePackPropertyName("tags")]
    public List<string> Tags { get; } = [];

    [MessagePackIgnore]
    public List<int> Ignored { get; } = [];

    public int[] Array { get; } = [1];

    public IEnumerable<int> Sequence { get; } = [1];

    public IReadOnlyList<int> ReadOnlyList { get; } = [1];

    public IReadOnlyDictionary<string, int> ReadOnlyMap { get; } = new Dictionary<string, int> { ["a"] = 1 };

    public int Count => List.Count;
}

/// <summary>The golden-bytes case: one settable member and one get-only list.</summary>
[GenerateMessagePack]
public sealed class GenTagged
{
    public int Id { get; set; }

    public List<string> Tags { get; } = [];
}

/// <summary>Its collection is made on first use, so a new instance's getter returns null.</summary>
[GenerateMessagePack]
public sealed class GenLazyItems
{
    public int Id { get; set; }

    public List<int>? Items { get; private set; }

    public void Add(int item) => (Items ??= []).Add(item);
}

/// <summary>A read-only instance behind a collection interface: the same two elements after every construction.</summary>
[GenerateMessagePack]
public sealed class GenFixedItems
{
    public int Id { get; set; }

    public IList<int> Fixed { get; } = new[] { 1, 2 };
}

[GenerateMessagePack]
[MessagePackArrayLayout]
public sealed class GenGetOnlyCompact
{
    [MessagePackKey(0)]
    public int Id { get; set; }

    [MessagePackKey(2)]
    public List<int> Values { get; } = [];

    public List<int> NotWritten { get; } = [7];
}

[GenerateMessagePack]
public struct GenGetOnlyStruct
{
    public GenGetOnlyStruct()
    {
    }

    public int Id { get; set; }

    public List<string> Names { get; } = [];

    public Dictionary<string, int> Counts { get; } = [];
}

/// <summary>A computed collection: its getter returns a new list each time, so the one filled on read is dropped.</summary>
[GenerateMessagePack]
public sealed class GenComputedList
{
    public List<int> Items { get; set; } = [];

    public List<int> Evens => [.. Items.Where(i => i % 2 == 0)];
}
