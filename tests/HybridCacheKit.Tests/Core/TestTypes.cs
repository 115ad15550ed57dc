using System.ComponentModel;

namespace HybridCacheKit.Tests.Core;

/// <summary>Immutable by Microsoft's rule (sealed, [ImmutableObject(true)]): L1 may share one instance.</summary>
[ImmutableObject(true)]
public sealed record ImmutableRecord(int Id, string Name);

/// <summary>Marked immutable but not sealed: a subclass could be mutable, so the engine must treat it as mutable.</summary>
[ImmutableObject(true)]
public class UnsealedImmutableClass
{
    public int Id { get; set; }
}

/// <summary>A plain mutable class.</summary>
public sealed class MutableWidget
{
    public int Id { get; set; }

    public string? Name { get; set; }

    public List<int> Values { get; set; } = [];
}
