using System.Globalization;
using System.Text;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>One parsed RESP2 reply.</summary>
public sealed class RespReply
{
    private RespReply(RespReplyKind kind, string? text, long integer, byte[]? bytes, IReadOnlyList<RespReply>? items)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
        Bytes = bytes;
        Items = items;
    }

    /// <summary>The reply type.</summary>
    public RespReplyKind Kind { get; }

    /// <summary>Simple string or error text; a bulk string decoded as UTF-8; otherwise null.</summary>
    public string? Text { get; }

    /// <summary>The value of an integer reply; 0 for other kinds.</summary>
    public long Integer { get; }

    /// <summary>The raw bytes of a bulk string; otherwise null.</summary>
    public byte[]? Bytes { get; }

    /// <summary>The elements of an array reply; otherwise null.</summary>
    public IReadOnlyList<RespReply>? Items { get; }

    /// <summary>True for a null bulk string or null array.</summary>
    public bool IsNull => Kind == RespReplyKind.Null;

    /// <summary>True for an error reply.</summary>
    public bool IsError => Kind == RespReplyKind.Error;

    /// <summary>The shared null reply.</summary>
    public static RespReply Null { get; } = new(RespReplyKind.Null, null, 0, null, null);

    /// <summary>Creates a simple string reply.</summary>
    public static RespReply SimpleString(string text) => new(RespReplyKind.SimpleString, text, 0, null, null);

    /// <summary>Creates an error reply.</summary>
    public static RespReply Error(string message) => new(RespReplyKind.Error, message, 0, null, null);

    /// <summary>Creates an integer reply.</summary>
    public static RespReply FromInteger(long value) => new(RespReplyKind.Integer, null, value, null, null);

    /// <summary>Creates a bulk string reply.</summary>
    public static RespReply BulkString(byte[] bytes) =>
        new(RespReplyKind.BulkString, Encoding.UTF8.GetString(bytes), 0, bytes, null);

    /// <summary>Creates an array reply.</summary>
    public static RespReply Array(IReadOnlyList<RespReply> items) => new(RespReplyKind.Array, null, 0, null, items);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RespReplyKind.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        RespReplyKind.Array => "[" + string.Join(", ", Items!) + "]",
        RespReplyKind.Null => "(nil)",
        RespReplyKind.Error => "(error) " + Text,
        _ => Text!,
    };
}
