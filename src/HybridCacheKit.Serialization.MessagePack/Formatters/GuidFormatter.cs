namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>
/// A Guid is its 36-character lowercase string ("d" format): what Python's <c>str(uuid)</c>, JavaScript and
/// JSON use, so a peer needs no conversion. Reads also accept any format Guid.Parse knows, and bin 16 in RFC 4122
/// (big-endian) byte order, which is Python's <c>uuid.bytes</c>.
/// </summary>
internal sealed class GuidFormatter : IMessagePackFormatter<Guid>
{
    public static readonly GuidFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Guid value)
    {
        var span = writer.GetScratch(38);
        span[0] = MessagePackCode.Str8;
        span[1] = 36;
        _ = value.TryFormat(span[2..], out _, "D");
        writer.Advance(38);
    }

    public Guid Deserialize(ref MessagePackReader reader)
    {
        var start = reader.Consumed;
        if (reader.NextType == MessagePackType.Binary)
        {
            var bytes = reader.ReadBinarySpan();
            return bytes.Length == 16
                ? new Guid(bytes, bigEndian: true)
                : throw new MessagePackSerializationException($"The binary Guid at offset {start} has {bytes.Length} bytes, not 16.");
        }

        var utf8 = reader.ReadStringSpan();
        return Guid.TryParse(utf8, out var guid)
            ? guid
            : throw new MessagePackSerializationException($"The string at offset {start} is not a Guid.");
    }
}
