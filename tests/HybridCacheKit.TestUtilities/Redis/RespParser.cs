using System.Buffers.Text;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// Parses RESP2 replies from a byte buffer. Pure and incremental: the same code serves the
/// synchronous and asynchronous client paths, which only differ in how they fill the buffer.
/// </summary>
public static class RespParser
{
    /// <summary>
    /// Tries to parse one complete reply from the start of <paramref name="buffer"/>.
    /// Returns false when more bytes are needed; throws <see cref="InvalidDataException"/> on malformed input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RespReply? reply, out int consumed)
    {
        consumed = 0;
        reply = Parse(buffer, ref consumed);
        if (reply is null)
        {
            consumed = 0;
            return false;
        }

        return true;
    }

    private static RespReply? Parse(ReadOnlySpan<byte> buffer, ref int position)
    {
        if (!TryReadLine(buffer, ref position, out var line))
        {
            return null;
        }

        if (line.IsEmpty)
        {
            throw new InvalidDataException("Empty RESP line.");
        }

        var payload = line[1..];
        switch (line[0])
        {
            case (byte)'+':
                return RespReply.SimpleString(System.Text.Encoding.UTF8.GetString(payload));
            case (byte)'-':
                return RespReply.Error(System.Text.Encoding.UTF8.GetString(payload));
            case (byte)':':
                return RespReply.FromInteger(ParseInteger(payload));
            case (byte)'$':
                return ParseBulk(buffer, ref position, ParseInteger(payload));
            case (byte)'*':
                return ParseArray(buffer, ref position, ParseInteger(payload));
            default:
                throw new InvalidDataException($"Unknown RESP type marker '{(char)line[0]}'.");
        }
    }

    private static RespReply? ParseBulk(ReadOnlySpan<byte> buffer, ref int position, long length)
    {
        if (length == -1)
        {
            return RespReply.Null;
        }

        if (length < 0 || length > int.MaxValue - 2)
        {
            throw new InvalidDataException($"Invalid bulk length {length}.");
        }

        var size = (int)length;
        if (buffer.Length - position < size + 2)
        {
            return null;
        }

        var body = buffer.Slice(position, size).ToArray();
        if (buffer[position + size] != (byte)'\r' || buffer[position + size + 1] != (byte)'\n')
        {
            throw new InvalidDataException("Bulk string is not terminated by CRLF.");
        }

        position += size + 2;
        return RespReply.BulkString(body);
    }

    private static RespReply? ParseArray(ReadOnlySpan<byte> buffer, ref int position, long count)
    {
        if (count == -1)
        {
            return RespReply.Null;
        }

        if (count < 0 || count > int.MaxValue)
        {
            throw new InvalidDataException($"Invalid array length {count}.");
        }

        var items = new List<RespReply>((int)Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            var item = Parse(buffer, ref position);
            if (item is null)
            {
                return null;
            }

            items.Add(item);
        }

        return RespReply.Array(items);
    }

    private static bool TryReadLine(ReadOnlySpan<byte> buffer, ref int position, out ReadOnlySpan<byte> line)
    {
        var end = buffer[position..].IndexOf("\r\n"u8);
        if (end < 0)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(position, end);
        position += end + 2;
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> text)
    {
        if (!Utf8Parser.TryParse(text, out long value, out var used) || used != text.Length)
        {
            throw new InvalidDataException("Invalid RESP integer.");
        }

        return value;
    }
}
