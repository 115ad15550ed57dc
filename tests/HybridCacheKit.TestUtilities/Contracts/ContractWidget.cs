namespace HybridCacheKit.TestUtilities.Contracts;

/// <summary>
/// A mutable reference type (no <c>[ImmutableObject(true)]</c>): the engine stores it as bytes and hands out a new
/// instance on every hit, and it goes through the JSON serializer.
/// </summary>
public sealed class ContractWidget
{
    /// <summary>An id.</summary>
    public int Id { get; set; }

    /// <summary>A name.</summary>
    public string? Name { get; set; }

    /// <summary>A nested collection, so that a deep copy is needed for instances to be independent.</summary>
    public List<string> Parts { get; set; } = [];

    /// <summary>Content equality, for assertions.</summary>
    /// <param name="other">The other widget.</param>
    /// <returns>Whether both have the same id, name and parts.</returns>
    public bool HasSameContentAs(ContractWidget? other)
        => other is not null && other.Id == Id && other.Name == Name && other.Parts.SequenceEqual(Parts);
}
