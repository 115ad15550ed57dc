namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>Dictionaries are MessagePack maps; a repeated key keeps its last value; a nil key is an error.</summary>
internal static class Dictionaries
{
    public static void Write<TKey, TValue>(ref MessagePackWriter writer, IEnumerable<KeyValuePair<TKey, TValue>>? value, int count, IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> item)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.IncrementDepth();
        writer.WriteMapHeader(count);
        var written = 0;
        foreach (var pair in value)
        {
            if (++written > count)
            {
                break;
            }

            key.Serialize(ref writer, pair.Key);
            item.Serialize(ref writer, pair.Value);
        }

        if (written != count)
        {
            throw new MessagePackSerializationException("The dictionary changed while it was being written.");
        }

        writer.DecrementDepth();
    }

    public static Dictionary<TKey, TValue> Read<TKey, TValue>(ref MessagePackReader reader, IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> item)
        where TKey : notnull
    {
        reader.IncrementDepth();
        var count = reader.ReadMapHeader();
        var dictionary = new Dictionary<TKey, TValue>(Collections.InitialCapacity<KeyValuePair<TKey, TValue>>(count));
        for (var i = 0; i < count; i++)
        {
            var start = reader.Consumed;
            var k = key.Deserialize(ref reader) ?? throw new MessagePackSerializationException($"The map key at offset {start} is nil, which a dictionary cannot hold.");
            dictionary[k] = item.Deserialize(ref reader);
        }

        reader.DecrementDepth();
        return dictionary;
    }
}

internal sealed class DictionaryFormatter<TKey, TValue> : IMessagePackFormatter<Dictionary<TKey, TValue>?>
    where TKey : notnull
{
    private readonly IMessagePackFormatter<TKey> _key;
    private readonly IMessagePackFormatter<TValue> _value;

    public DictionaryFormatter(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
    {
        _key = key;
        _value = value;
    }

    public void Serialize(ref MessagePackWriter writer, Dictionary<TKey, TValue>? value)
        => Dictionaries.Write(ref writer, value, value?.Count ?? 0, _key, _value);

    public Dictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader)
        => reader.TryReadNil() ? null : Dictionaries.Read(ref reader, _key, _value);
}

/// <summary>The dictionary interfaces: written from any implementation, read back as a <see cref="Dictionary{TKey, TValue}"/>.</summary>
internal sealed class DictionaryInterfaceFormatter<TKey, TValue> :
    IMessagePackFormatter<IDictionary<TKey, TValue>?>,
    IMessagePackFormatter<IReadOnlyDictionary<TKey, TValue>?>
    where TKey : notnull
{
    private readonly IMessagePackFormatter<TKey> _key;
    private readonly IMessagePackFormatter<TValue> _value;

    public DictionaryInterfaceFormatter(IMessagePackFormatter<TKey> key, IMessagePackFormatter<TValue> value)
    {
        _key = key;
        _value = value;
    }

    void IMessagePackFormatter<IDictionary<TKey, TValue>?>.Serialize(ref MessagePackWriter writer, IDictionary<TKey, TValue>? value)
        => Dictionaries.Write(ref writer, value, value?.Count ?? 0, _key, _value);

    void IMessagePackFormatter<IReadOnlyDictionary<TKey, TValue>?>.Serialize(ref MessagePackWriter writer, IReadOnlyDictionary<TKey, TValue>? value)
        => Dictionaries.Write(ref writer, value, value?.Count ?? 0, _key, _value);

    IDictionary<TKey, TValue>? IMessagePackFormatter<IDictionary<TKey, TValue>?>.Deserialize(ref MessagePackReader reader)
        => reader.TryReadNil() ? null : Dictionaries.Read(ref reader, _key, _value);

    IReadOnlyDictionary<TKey, TValue>? IMessagePackFormatter<IReadOnlyDictionary<TKey, TValue>?>.Deserialize(ref MessagePackReader reader)
        => reader.TryReadNil() ? null : Dictionaries.Read(ref reader, _key, _value);
}
