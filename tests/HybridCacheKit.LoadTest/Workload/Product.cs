using System.ComponentModel;
using System.Text.Json.Serialization;

namespace HybridCacheKit.LoadTest.Workload;

/// <summary>
/// The cached value: a catalogue row whose JSON form is about 1 KB (most of it the description). Sealed and marked
/// immutable, so the engine keeps the instance in L1 instead of deserializing it on every hit (the two-tier baselines
/// keep the instance too).
/// </summary>
[ImmutableObject(true)]
public sealed record Product(int Id, string Sku, string Name, decimal Price, int Stock, long Version, DateTime UpdatedUtc, string Description);

/// <summary>Source-generated JSON for <see cref="Product"/>, used by every .NET mode (engine, baselines, HTTP).</summary>
[JsonSerializable(typeof(Product))]
internal sealed partial class ProductJsonContext : JsonSerializerContext;
