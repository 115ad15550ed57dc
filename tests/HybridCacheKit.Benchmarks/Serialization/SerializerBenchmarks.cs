using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using HybridCacheKit.Serialization.MessagePack;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Benchmarks.Serialization;

/// <summary>
/// MessagePack (generated formatters, through the same IHybridCacheSerializer the cache calls) against
/// System.Text.Json source-generated (the baseline of each category), for a ~5 KB order and a five-field object.
/// The "Payload" column is the serialized size in bytes. The ArrayLayout rows show the same order with
/// [MessagePackArrayLayout] (members by index): an opt-in, not the default the targets are judged on.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[Config(typeof(PayloadConfig))]
public class SerializerBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private OrderResponse _order = null!;
    private SmallItem _small = null!;
    private IHybridCacheSerializer<OrderResponse> _orderMessagePack = null!;
    private IHybridCacheSerializer<SmallItem> _smallMessagePack = null!;
    private IHybridCacheSerializer<CompactOrder> _compactMessagePack = null!;
    private CompactOrder _compact = null!;
    private byte[] _compactBytes = null!;
    private Utf8JsonWriter _json = null!;
    private byte[] _orderJsonBytes = null!;
    private byte[] _orderMessagePackBytes = null!;
    private byte[] _smallJsonBytes = null!;
    private byte[] _smallMessagePackBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _order = SerializerSamples.Order();
        _small = SerializerSamples.Small();
        var factory = new MessagePackHybridCacheSerializerFactory();
        _compact = CompactOrder.From(_order);
        if (!factory.TryCreateSerializer(out _orderMessagePack!) || !factory.TryCreateSerializer(out _smallMessagePack!) || !factory.TryCreateSerializer(out _compactMessagePack!))
        {
            throw new InvalidOperationException("The MessagePack factory declined a benchmark type.");
        }

        if (((MessagePackHybridCacheSerializer<OrderResponse>)_orderMessagePack).Formatter.GetType().Namespace != "HybridCacheKit.Serialization.MessagePack.Generated")
        {
            throw new InvalidOperationException("The order must use its generated formatter, not the reflection fallback.");
        }

        _json = new Utf8JsonWriter(_buffer);
        _orderJsonBytes = JsonSerializer.SerializeToUtf8Bytes(_order, SerializerBenchmarkJsonContext.Default.OrderResponse);
        _smallJsonBytes = JsonSerializer.SerializeToUtf8Bytes(_small, SerializerBenchmarkJsonContext.Default.SmallItem);
        _orderMessagePackBytes = Serialize(_orderMessagePack, _order);
        _smallMessagePackBytes = Serialize(_smallMessagePack, _small);
        _compactBytes = Serialize(_compactMessagePack, _compact);

        // Both formats must carry the same value, or the comparison means nothing.
        var fromMessagePack = _orderMessagePack.Deserialize(new ReadOnlySequence<byte>(_orderMessagePackBytes));
        if (!JsonSerializer.SerializeToUtf8Bytes(fromMessagePack, SerializerBenchmarkJsonContext.Default.OrderResponse).AsSpan().SequenceEqual(_orderJsonBytes))
        {
            throw new InvalidOperationException("The MessagePack round trip of the order differs from the original.");
        }

        PayloadColumn.Sizes["OrderEncode_Json"] = PayloadColumn.Sizes["OrderDecode_Json"] = _orderJsonBytes.Length;
        PayloadColumn.Sizes["OrderEncode_MessagePack"] = PayloadColumn.Sizes["OrderDecode_MessagePack"] = _orderMessagePackBytes.Length;
        PayloadColumn.Sizes["OrderEncode_MessagePackArrayLayout"] = PayloadColumn.Sizes["OrderDecode_MessagePackArrayLayout"] = _compactBytes.Length;
        PayloadColumn.Sizes["SmallEncode_Json"] = PayloadColumn.Sizes["SmallDecode_Json"] = _smallJsonBytes.Length;
        PayloadColumn.Sizes["SmallEncode_MessagePack"] = PayloadColumn.Sizes["SmallDecode_MessagePack"] = _smallMessagePackBytes.Length;
        Console.WriteLine($"// Payload bytes: order JSON {_orderJsonBytes.Length}, order MessagePack {_orderMessagePackBytes.Length} "
            + $"({100.0 * _orderMessagePackBytes.Length / _orderJsonBytes.Length:F1}% of JSON), array layout {_compactBytes.Length} ({100.0 * _compactBytes.Length / _orderJsonBytes.Length:F1}%); small JSON {_smallJsonBytes.Length}, small MessagePack {_smallMessagePackBytes.Length}");
    }

    [GlobalCleanup]
    public void Cleanup() => _json.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Order encode")]
    public int OrderEncode_Json()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, _order, SerializerBenchmarkJsonContext.Default.OrderResponse);
        _json.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    [BenchmarkCategory("Order encode")]
    public int OrderEncode_MessagePack()
    {
        _buffer.ResetWrittenCount();
        _orderMessagePack.Serialize(_order, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    [BenchmarkCategory("Order encode")]
    public int OrderEncode_MessagePackArrayLayout()
    {
        _buffer.ResetWrittenCount();
        _compactMessagePack.Serialize(_compact, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Order decode")]
    public OrderResponse OrderDecode_Json() => JsonSerializer.Deserialize(_orderJsonBytes, SerializerBenchmarkJsonContext.Default.OrderResponse)!;

    [Benchmark]
    [BenchmarkCategory("Order decode")]
    public OrderResponse OrderDecode_MessagePack() => _orderMessagePack.Deserialize(new ReadOnlySequence<byte>(_orderMessagePackBytes));

    [Benchmark]
    [BenchmarkCategory("Order decode")]
    public CompactOrder OrderDecode_MessagePackArrayLayout() => _compactMessagePack.Deserialize(new ReadOnlySequence<byte>(_compactBytes));

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Small encode")]
    public int SmallEncode_Json()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, _small, SerializerBenchmarkJsonContext.Default.SmallItem);
        _json.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    [BenchmarkCategory("Small encode")]
    public int SmallEncode_MessagePack()
    {
        _buffer.ResetWrittenCount();
        _smallMessagePack.Serialize(_small, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Small decode")]
    public SmallItem SmallDecode_Json() => JsonSerializer.Deserialize(_smallJsonBytes, SerializerBenchmarkJsonContext.Default.SmallItem)!;

    [Benchmark]
    [BenchmarkCategory("Small decode")]
    public SmallItem SmallDecode_MessagePack() => _smallMessagePack.Deserialize(new ReadOnlySequence<byte>(_smallMessagePackBytes));

    private static byte[] Serialize<T>(IHybridCacheSerializer<T> serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class PayloadConfig : ManualConfig
    {
        public PayloadConfig() => AddColumn(new PayloadColumn());
    }

    /// <summary>The serialized size of each row's payload, measured in setup (which runs in the benchmark process).</summary>
    private sealed class PayloadColumn : IColumn
    {
        // Sizes are deterministic, so the host process computes them again rather than receiving them from the child.
        public static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal);

        public string Id => nameof(PayloadColumn);

        public string ColumnName => "Payload";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Size;

        public string Legend => "Serialized size of the payload in bytes";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (Sizes.Count == 0)
            {
                new SerializerBenchmarks().Setup();
            }

            return Sizes.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var size) ? $"{size} B" : "?";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
