// Generated types at the generator's edges: names that collided once flattened, and members named after keywords.
namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping.Collide
{
    [GenerateMessagePack]
    public sealed class B_C
    {
        public int X { get; set; }
    }
}

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping.Collide_B
{
    [GenerateMessagePack]
    public sealed class C
    {
        public string Y { get; set; } = "";
    }
}

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping
{
    [GenerateMessagePack]
    public sealed class GenKeywords
    {
        public int @class { get; set; }

        public string @event = "";

        public required string @namespace { get; init; }
    }

    [GenerateMessagePack]
    public sealed record GenKeywordRecord(int @default, string @for);
}

namespace HybridCacheKit.Serialization.MessagePack.Tests.Mapping
{
    /// <summary>A base whose members derived types hide with <c>new</c> or override.</summary>
    public class HidingBase
    {
        public string Name { get; set; } = "";

        public string Code { get; set; } = "";

        public virtual string Label { get; set; } = "";

        public int Count { get; set; }
    }

    /// <summary><c>new</c> members of the same and of another type, and an override: C#'s <c>value.Name</c> is the derived one.</summary>
    [GenerateMessagePack]
    public sealed class GenHiding : HidingBase
    {
        public new string Name { get; set; } = "";

        public new int Code { get; set; }

        public override string Label { get; set; } = "";

        public int Extra { get; set; }
    }
}
