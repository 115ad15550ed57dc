namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>The RESP2 reply types that <see cref="RespParser"/> understands.</summary>
public enum RespReplyKind
{
    /// <summary><c>+OK</c></summary>
    SimpleString,

    /// <summary><c>-ERR message</c></summary>
    Error,

    /// <summary><c>:42</c></summary>
    Integer,

    /// <summary><c>$3\r\nfoo</c></summary>
    BulkString,

    /// <summary><c>*2\r\n...</c></summary>
    Array,

    /// <summary>A null bulk string (<c>$-1</c>) or null array (<c>*-1</c>).</summary>
    Null,
}
