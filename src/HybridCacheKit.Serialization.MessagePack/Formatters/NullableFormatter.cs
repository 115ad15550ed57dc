namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>Nullable&lt;T&gt;: nil, or the value as <typeparamref name="T"/> writes it.</summary>
internal sealed class NullableFormatter<T> : IMessagePackFormatter<T?>
    where T : struct
{
    private readonly IMessagePackFormatter<T> _inner;

    public NullableFormatter(IMessagePackFormatter<T> inner) => _inner = inner;

    public void Serialize(ref MessagePackWriter writer, T? value)
    {
        if (value.HasValue)
        {
            _inner.Serialize(ref writer, value.GetValueOrDefault());
        }
        else
        {
            writer.WriteNil();
        }
    }

    public T? Deserialize(ref MessagePackReader reader) => reader.TryReadNil() ? null : _inner.Deserialize(ref reader);
}
