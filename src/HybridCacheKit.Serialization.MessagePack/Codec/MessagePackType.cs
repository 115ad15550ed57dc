using System.Diagnostics.CodeAnalysis;

namespace HybridCacheKit.Serialization.MessagePack;

/// <summary>The MessagePack type family of a value (specification, "Type system").</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are the specification's type names.")]
public enum MessagePackType
{
    /// <summary>The byte 0xc1, which the specification never uses, or no more data.</summary>
    Unknown = 0,

    /// <summary>Positive or negative fixint, int 8–64, uint 8–64.</summary>
    Integer,

    /// <summary>nil.</summary>
    Nil,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>float 32 or float 64.</summary>
    Float,

    /// <summary>fixstr, str 8–32 (UTF-8).</summary>
    String,

    /// <summary>bin 8–32.</summary>
    Binary,

    /// <summary>fixarray, array 16–32.</summary>
    Array,

    /// <summary>fixmap, map 16–32.</summary>
    Map,

    /// <summary>fixext 1–16, ext 8–32 (the timestamp is extension type -1).</summary>
    Extension,
}
