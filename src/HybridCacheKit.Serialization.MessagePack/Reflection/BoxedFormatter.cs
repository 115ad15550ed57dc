namespace HybridCacheKit.Serialization.MessagePack.Reflection;

/// <summary>A typed formatter behind an object-typed face, so reflection code can call it without knowing T.</summary>
internal interface IBoxedFormatter
{
    object? DefaultValue { get; }

    void Serialize(ref MessagePackWriter writer, object? value);

    object? Deserialize(ref MessagePackReader reader);
}

internal sealed class BoxedFormatter<T> : IBoxedFormatter
{
    private readonly IMessagePackFormatter<T> _inner;

    public BoxedFormatter(IMessagePackFormatter<T> inner) => _inner = inner;

    public object? DefaultValue => default(T);

    public void Serialize(ref MessagePackWriter writer, object? value) => _inner.Serialize(ref writer, (T)value!);

    public object? Deserialize(ref MessagePackReader reader) => _inner.Deserialize(ref reader);
}
