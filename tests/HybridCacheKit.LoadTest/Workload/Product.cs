using System.ComponentModel;
using System.Text.Json.Serialization;
using HybridCacheKit.Serialization.MessagePack;

namespace HybridCacheKit.LoadTest.Workload;

/// <summary>
/// The cached value: a catalogue row whose JSON form is about 1 KB (most of it the description). Sealed and marked
/// immutable, so the engine keeps the instance in L1 instead of deserializing it on every hit (the two-tier baselines
/// keep the instance too).
/// </summary>
/// <remarks>
/// <c>[GenerateMessagePack]</c>: with <c>--engine-serializer messagepack</c> the engine stores it as MessagePack through
/// the source-generated formatter, which is what lets the Native AOT executable use MessagePack at all.
/// </remarks>
[ImmutableObject(true)]
[GenerateMessagePack]
public sealed record Product(int Id, string Sku, string Name, decimal Price, int Stock, long Version, DateTime UpdatedUtc, string Description);

/// <summary>Source-generated JSON for <see cref="Product"/>, used by every .NET mode (engine, baselines, HTTP).</summary>
[JsonSerializable(typeof(Product))]
internal sealed partial class ProductJsonContext : JsonSerializerContext;
