using System.Runtime.CompilerServices;

namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>Shared pieces of the array-shaped formatters: all write a MessagePack array, nil for null.</summary>
internal static class Collections
{
    /// <summary>
    /// The most bytes of element storage allocated for a collection ahead of decoding its elements; beyond it the
    /// collection grows as elements actually arrive. The reader has checked that a count is no larger than the bytes
    /// left, but one byte can decode to a large struct, and every level of a nesting checks its count against the same
    /// remaining bytes: sized by the count alone, 60 nested arrays each declaring 4096 structs of 270 bytes reserved
    /// 33 MB for a 4.6 KB input before the depth limit stopped it. With this budget, memory stays proportional to
    /// what was decoded (at most MaxDepth budgets ahead of it).
    /// </summary>
    public const int MaxPreallocatedBytes = 4096;

    /// <summary>At least this many elements are allocated for ahead (if declared), however large each one is.</summary>
    private const int MinPreallocatedCount = 16;

    /// <summary>The capacity to create a collection of <paramref name="count"/> declared elements of <typeparamref name="T"/> with.</summary>
    public static int InitialCapacity<T>(int count)
        => Math.Min(count, Math.Max(MinPreallocatedCount, MaxPreallocatedBytes / Unsafe.SizeOf<T>()));

    public static void WriteSequence<T>(ref MessagePackWriter writer, IEnumerable<T>? value, IMessagePackFormatter<T> element)
    {
        switch (value)
        {
            case null:
                writer.WriteNil();
                return;
            case T[] array:
                WriteSpan(ref writer, array, element);
                return;
            case List<T> list:
                WriteList(ref writer, list, element);
                return;
        }

        // Other sequences: the count must come first, so materialize ones that do not know it.
        var collection = value as IReadOnlyCollection<T> ?? (value as ICollection<T> as IReadOnlyCollection<T>) ?? value.ToList();
        writer.IncrementDepth();
        writer.WriteArrayHeader(collection.Count);
        var written = 0;
        foreach (var item in collection)
        {
            if (++written > collection.Count)
            {
                throw new MessagePackSerializationException("The collection changed while it was being written.");
            }

            element.Serialize(ref writer, item);
        }

        if (written != collection.Count)
        {
            throw new MessagePackSerializationException("The collection changed while it was being written.");
        }

        writer.DecrementDepth();
    }

    public static void WriteSpan<T>(ref MessagePackWriter writer, ReadOnlySpan<T> items, IMessagePackFormatter<T> element)
    {
        writer.IncrementDepth();
        writer.WriteArrayHeader(items.Length);
        foreach (var item in items)
        {
            element.Serialize(ref writer, item);
        }

        writer.DecrementDepth();
    }

    public static void WriteList<T>(ref MessagePackWriter writer, List<T> list, IMessagePackFormatter<T> element)
    {
        writer.IncrementDepth();
        var count = list.Count;
        writer.WriteArrayHeader(count);
        for (var i = 0; i < count; i++)
        {
            element.Serialize(ref writer, list[i]);
        }

        writer.DecrementDepth();
    }

    public static List<T> ReadList<T>(ref MessagePackReader reader, IMessagePackFormatter<T> element)
    {
        reader.IncrementDepth();
        var count = reader.ReadArrayHeader();
        var list = new List<T>(InitialCapacity<T>(count));
        for (var i = 0; i < count; i++)
        {
            list.Add(element.Deserialize(ref reader));
        }

        reader.DecrementDepth();
        return list;
    }
}

internal sealed class ArrayFormatter<T> : IMessagePackFormatter<T[]?>
{
    private readonly IMessagePackFormatter<T> _element;

    public ArrayFormatter(IMessagePackFormatter<T> element) => _element = element;

    public void Serialize(ref MessagePackWriter writer, T[]? value)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            Collections.WriteSpan(ref writer, value, _element);
        }
    }

    public T[]? Deserialize(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        reader.IncrementDepth();
        var count = reader.ReadArrayHeader();
        T[] array;
        if (count <= Collections.InitialCapacity<T>(count))
        {
            array = count == 0 ? [] : new T[count];
            for (var i = 0; i < array.Length; i++)
            {
                array[i] = _element.Deserialize(ref reader);
            }
        }
        else
        {
            var list = new List<T>(Collections.InitialCapacity<T>(count));
            for (var i = 0; i < count; i++)
            {
                list.Add(_element.Deserialize(ref reader));
            }

            array = list.ToArray();
        }

        reader.DecrementDepth();
        return array;
    }
}

internal sealed class ListFormatter<T> : IMessagePackFormatter<List<T>?>
{
    private readonly IMessagePackFormatter<T> _element;

    public ListFormatter(IMessagePackFormatter<T> element) => _element = element;

    public void Serialize(ref MessagePackWriter writer, List<T>? value)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            Collections.WriteList(ref writer, value, _element);
        }
    }

    public List<T>? Deserialize(ref MessagePackReader reader) => reader.TryReadNil() ? null : Collections.ReadList(ref reader, _element);
}

internal sealed class HashSetFormatter<T> : IMessagePackFormatter<HashSet<T>?>
{
    private readonly IMessagePackFormatter<T> _element;

    public HashSetFormatter(IMessagePackFormatter<T> element) => _element = element;

    public void Serialize(ref MessagePackWriter writer, HashSet<T>? value) => Collections.WriteSequence(ref writer, value, _element);

    public HashSet<T>? Deserialize(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        reader.IncrementDepth();
        var count = reader.ReadArrayHeader();
        var set = new HashSet<T>(Collections.InitialCapacity<T>(count));
        for (var i = 0; i < count; i++)
        {
            set.Add(_element.Deserialize(ref reader));
        }

        reader.DecrementDepth();
        return set;
    }
}

/// <summary>The collection interfaces: written from any implementation, read back as a <see cref="List{T}"/>.</summary>
internal sealed class CollectionInterfaceFormatter<T> :
    IMessagePackFormatter<IEnumerable<T>?>,
    IMessagePackFormatter<ICollection<T>?>,
    IMessagePackFormatter<IList<T>?>,
    IMessagePackFormatter<IReadOnlyCollection<T>?>,
    IMessagePackFormatter<IReadOnlyList<T>?>
{
    private readonly IMessagePackFormatter<T> _element;

    public CollectionInterfaceFormatter(IMessagePackFormatter<T> element) => _element = element;

    void IMessagePackFormatter<IEnumerable<T>?>.Serialize(ref MessagePackWriter writer, IEnumerable<T>? value) => Collections.WriteSequence(ref writer, value, _element);

    void IMessagePackFormatter<ICollection<T>?>.Serialize(ref MessagePackWriter writer, ICollection<T>? value) => Collections.WriteSequence(ref writer, value, _element);

    void IMessagePackFormatter<IList<T>?>.Serialize(ref MessagePackWriter writer, IList<T>? value) => Collections.WriteSequence(ref writer, value, _element);

    void IMessagePackFormatter<IReadOnlyCollection<T>?>.Serialize(ref MessagePackWriter writer, IReadOnlyCollection<T>? value) => Collections.WriteSequence(ref writer, value, _element);

    void IMessagePackFormatter<IReadOnlyList<T>?>.Serialize(ref MessagePackWriter writer, IReadOnlyList<T>? value) => Collections.WriteSequence(ref writer, value, _element);

    IEnumerable<T>? IMessagePackFormatter<IEnumerable<T>?>.Deserialize(ref MessagePackReader reader) => Read(ref reader);

    ICollection<T>? IMessagePackFormatter<ICollection<T>?>.Deserialize(ref MessagePackReader reader) => Read(ref reader);

    IList<T>? IMessagePackFormatter<IList<T>?>.Deserialize(ref MessagePackReader reader) => Read(ref reader);

    IReadOnlyCollection<T>? IMessagePackFormatter<IReadOnlyCollection<T>?>.Deserialize(ref MessagePackReader reader) => Read(ref reader);

    IReadOnlyList<T>? IMessagePackFormatter<IReadOnlyList<T>?>.Deserialize(ref MessagePackReader reader) => Read(ref reader);

    private List<T>? Read(ref MessagePackReader reader) => reader.TryReadNil() ? null : Collections.ReadList(ref reader, _element);
}
