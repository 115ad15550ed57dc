using System.Collections.Immutable;
using System.Collections.ObjectModel;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

/// <summary>
/// Types the reflection fallback cannot map exactly are declined, so the next serializer (JSON) takes them, instead of
/// being written member by member and read back wrong (an empty collection, a default value).
/// </summary>
public sealed class DeclinedTypeTests
{
    /// <summary>Collections other than the known shapes, .NET library types, types with nothing to write, and types holding one.</summary>
    public static TheoryData<Type> NotExactlyMappable() =>
    [
        typeof(ImmutableArray<int>), typeof(ImmutableList<int>), typeof(LinkedList<int>), typeof(ObservableCollection<int>),
        typeof(Queue<int>), typeof(Stack<int>), typeof(SortedSet<int>), typeof(SortedDictionary<string, int>),
        typeof(IntList), typeof(StringIntMap), typeof(CustomEnumerable),
        typeof(TimeOnly), typeof(DateOnly), typeof(Version), typeof(Uri),
        typeof(Empty), typeof(GetOnlyState),
        typeof(HoldsLinkedList), typeof(HoldsIntList), typeof(HoldsImmutableArray), typeof(HoldsTimeOnly), typeof(HoldsEmpty),
        typeof(HoldsDeclined[]), typeof(List<HoldsDeclined>), typeof(Dictionary<string, IntList>),
        typeof(GetOnlyListOfQueues), typeof(GetOnlyMapOfTimeOnly), typeof(OnlyUnfillableGetOnlyMembers),
    ];

    [Theory]
    [MemberData(nameof(NotExactlyMappable))]
    public void TryCreateSerializer_TypeNotExactlyMappable_Declined(Type type)
    {
        var accepted = (bool)typeof(DeclinedTypeTests).GetMethod(nameof(Accepts), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, null)!;

        Assert.False(accepted, $"the MessagePack factory accepted {type}, which it cannot write and read back exactly");
    }

    [Fact]
    public void TryCreateSerializer_CollectionTypes_DeclinedBecauseTheirElementsWouldBeLost()
    {
        // Before: a List<int> subclass was mapped as an object with one member, Capacity, and came back empty.
        Assert.False(Mp.Factory.TryCreateSerializer<IntList>(out _));
        Assert.False(Mp.Factory.TryCreateSerializer<LinkedList<int>>(out _));
    }

    /// <summary>The .NET library types that are exactly their public members stay mapped.</summary>
    [Fact]
    public void RoundTrip_TuplesAndKeyValuePair_StillMappedExactly()
    {
        Assert.Equal(new KeyValuePair<string, int>("a", 1), Mp.RoundTrip(new KeyValuePair<string, int>("a", 1)));
        Assert.Equal((1, "b", 2.5), Mp.RoundTrip((1, "b", 2.5)));
        Assert.Equal(Tuple.Create(1, "c"), Mp.RoundTrip(Tuple.Create(1, "c")));
        Assert.Equal((1, 2, 3, 4, 5, 6, 7, 8, 9), Mp.RoundTrip((1, 2, 3, 4, 5, 6, 7, 8, 9)));
    }

    [Fact]
    public void TryCreateSerializer_DeclinedMember_ReasonNamesIt()
    {
        _ = Resolution.FormatterResolver.Find<HoldsLinkedList>(out var origin, out var reason);

        Assert.Equal(Resolution.FormatterOrigin.None, origin);
        Assert.Contains("LinkedList", reason, StringComparison.Ordinal);
    }

    private static bool Accepts<T>() => Mp.Factory.TryCreateSerializer<T>(out IHybridCacheSerializer<T>? _);

    public sealed class IntList : List<int>;

    public sealed class StringIntMap : Dictionary<string, int>;

    public sealed class CustomEnumerable : IEnumerable<int>
    {
        public int Start { get; set; }

        public IEnumerator<int> GetEnumerator() => Enumerable.Range(Start, 3).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    public sealed class Empty;

    /// <summary>Its state is behind get-only properties and a constructor whose parameters match none of them.</summary>
    public sealed class GetOnlyState(int seed)
    {
        public int Value { get; } = seed * 2;
    }

    public sealed class HoldsLinkedList
    {
        public int Id { get; set; }

        public LinkedList<int> Items { get; set; } = new();
    }

    public sealed class HoldsIntList
    {
        public IntList Items { get; set; } = [];
    }

    public sealed class HoldsImmutableArray
    {
        public ImmutableArray<string> Names { get; set; }
    }

    public sealed record HoldsTimeOnly(string Name, TimeOnly At);

    public sealed class HoldsEmpty
    {
        public int Id { get; set; }

        public Empty? Marker { get; set; }
    }

    public sealed class HoldsDeclined
    {
        public Queue<int>? Pending { get; set; }
    }

    /// <summary>A get-only collection is a member now, so an unsupported element type declines the type.</summary>
    public sealed class GetOnlyListOfQueues
    {
        public int Id { get; set; }

        public List<Queue<int>> Pending { get; } = [];
    }

    public sealed class GetOnlyMapOfTimeOnly
    {
        public int Id { get; set; }

        public Dictionary<string, TimeOnly> Opening { get; } = [];
    }

    /// <summary>Get-only members that cannot be refilled (an array, IEnumerable, a read-only interface) stay unwritten.</summary>
    public sealed class OnlyUnfillableGetOnlyMembers
    {
        public int[] Array { get; } = [1];

        public IEnumerable<int> Sequence { get; } = [1];

        public IReadOnlyList<int> ReadOnly { get; } = [1];
    }
}
