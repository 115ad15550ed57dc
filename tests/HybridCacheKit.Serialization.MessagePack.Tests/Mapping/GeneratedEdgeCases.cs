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
